"""Measured power and environment: PDUs discovered from NetBox, polled over SNMP (or pushed by a
BMS), readings rolled up per 5 minutes, hour and day, power and environment alerts, and the
monthly billing export. Imports colo only; NetBox discovery rows are handed in (api/)."""
