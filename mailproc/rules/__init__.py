"""The regulation as rules: each a function Context -> list[Action], run top to bottom."""
from mailproc.rules import account, acknowledge, agent, automated, conversation, faq, hours, missing, screenshots
from mailproc.rules import abuse, critical, scope, several

RULES = (
    automated.check,
    agent.check,
    conversation.check,
    acknowledge.check,
    several.check,
    screenshots.check,
    missing.check,
    account.check,
    hours.check,
    faq.check,
    critical.check,
    scope.check,
    abuse.check,
)
