"""The regulation as rules: each a function Context -> list[Action], run top to bottom."""
from mailproc.rules import acknowledge, automated, screenshots

RULES = (
    automated.check,
    acknowledge.check,
    screenshots.check,
)
