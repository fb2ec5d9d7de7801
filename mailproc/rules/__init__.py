"""The regulation as rules: each a function Context -> list[Action], run top to bottom."""
from mailproc.rules import acknowledge, automated, hours, screenshots

RULES = (
    automated.check,
    acknowledge.check,
    screenshots.check,
    hours.check,
)
