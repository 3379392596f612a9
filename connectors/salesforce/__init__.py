"""Salesforce: read Accounts, write Tier/Score/Health/Next Action back, diff-only."""
