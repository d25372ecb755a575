"""HTTP: the only package that imports Litestar. Assembles every domain into one app."""
