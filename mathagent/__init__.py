"""mathagent: a neuro-symbolic math reasoning agent.

Importing this package does no work: no model load, no network, no database.
"""

__version__ = "0.1.0"
