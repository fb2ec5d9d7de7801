"""The regulation as rules: each a function Context -> list[Action], run top to bottom."""
from mailproc.rules import acknowledge, agent, automated, conversation, faq, hours, screenshots

RULES = (
    automated.check,
    agent.check,
    conversation.check,
    acknowledge.check,
    screenshots.check,
    hours.check,
    faq.check,
)
