"""Human accounts of the portal: staff and tenant people, passwords, TOTP, invitations, sessions."""
