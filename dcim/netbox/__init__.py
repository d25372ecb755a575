"""The only package that imports pynetbox. Everything else talks to NetBox through the gateway."""

from dcim.netbox.gateway import NetBoxGateway, gateway_from_settings

__all__ = ["NetBoxGateway", "gateway_from_settings"]
