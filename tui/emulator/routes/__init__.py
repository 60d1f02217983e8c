"""Route modules, one per resource provider. Each exposes ``register(router)``."""

from . import authorization, backup, compute, network, resources, vaults

ROUTE_MODULES = [resources, compute, network, vaults, backup, authorization]
