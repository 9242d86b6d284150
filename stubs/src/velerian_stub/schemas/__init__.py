"""
The request and response models of the API, one module per topic.

These models are the contract: ``docs/api/openapi.json`` is generated from the routes
that use them.
"""
