"""The default scoring model: the seed's Tier 1 Account Qualification Scorecard, as plain data.

Kept as a literal (not a file) so the core stays free of I/O; `tiersync model export` prints it
as JSON for a manager to start editing from.
"""

from __future__ import annotations

from typing import Any

_TARGET, _ADJACENT = 10, 5

DEFAULT_MODEL: dict[str, Any] = {
    "name": "Tier 1 Account Qualification Scorecard",
    "max_points": 10,
    "criteria": [
        {
            "name": "revenue_potential",
            "label": "Revenue Potential",
            "weight": 30,
            "field": "arr_potential",
            "bands": [
                {"min": 0, "points": 0},
                {"min": 100_000, "points": 5},
                {"min": 200_000, "points": 8},
                {"min": 400_000, "points": 10},
            ],
            "missing_points": 0,
        },
        {
            "name": "company_size",
            "label": "Company Size",
            "weight": 20,
            "field": "employees",
            "bands": [
                {"min": 0, "points": 0},
                {"min": 500, "points": 5},
                {"min": 2_000, "points": 8},
                {"min": 10_000, "points": 10},
            ],
            "missing_points": 0,
        },
        {
            "name": "industry_alignment",
            "label": "Industry Alignment",
            "weight": 15,
            "field": "industry",
            "categories": {
                "Financial Services": _TARGET,
                "Banking": _TARGET,
                "Insurance": _TARGET,
                "Technology": _TARGET,
                "Software": _TARGET,
                "Healthcare": _TARGET,
                "Professional Services": _ADJACENT,
                "Manufacturing": _ADJACENT,
                "Distribution": _ADJACENT,
                "Retail": _ADJACENT,
                "Telecommunications": _ADJACENT,
                "Media": _ADJACENT,
                "Education": _ADJACENT,
                "Energy": _ADJACENT,
            },
            "other_points": 0,
            "missing_points": 0,
        },
        {
            "name": "tech_fit",
            "label": "Technology Stack Fit",
            "weight": 15,
            "field": "tech_fit",
            "categories": {"Strong": 10, "Moderate": 5, "Poor": 0},
            "missing_points": 0,
        },
        {
            "name": "buying_stage",
            "label": "Buying Stage",
            "weight": 10,
            "field": "buying_stage",
            "categories": {
                "Unaware": 0,
                "Researching": 5,
                "Evaluating": 8,
                "Active Procurement": 10,
            },
            "missing_points": 0,
        },
        {
            "name": "competitive_position",
            "label": "Competitive Position",
            "weight": 10,
            "field": "competitive_position",
            "categories": {"Competitor Entrenched": 0, "Competitive": 5, "Greenfield": 10},
            "missing_points": 0,
        },
    ],
    "tiers": [
        {
            "name": "Tier 1",
            "min_score": 75,
            "target_share": 0.10,
            "accounts_per_rep": 15,
            "playbook": "Dedicated AE, custom ABM, executive sponsor, quarterly business reviews",
        },
        {
            "name": "Tier 2",
            "min_score": 60,
            "target_share": 0.30,
            "accounts_per_rep": 30,
            "playbook": "Territory AE, vertical campaign track, SDR sequences, group events",
        },
        {
            "name": "Tier 3",
            "min_score": 40,
            "target_share": 0.40,
            "accounts_per_rep": 90,
            "playbook": "Inside sales, programmatic campaigns, marketing automation",
        },
        {
            "name": "Tier 4",
            "min_score": 0,
            "target_share": 0.20,
            "playbook": "Self-service / product-led motion, automated marketing",
        },
    ],
    "health": [
        {"status": "Healthy", "min_engagement": 70},
        {"status": "At Risk", "min_engagement": 40},
        {"status": "Critical", "min_engagement": 0},
    ],
    "health_missing": "At Risk",
    "next_actions": [
        {
            "when": {"tier": ["Tier 1", "Tier 2"], "health": ["Critical"]},
            "action": "Investigate lack of engagement",
        },
        {
            "when": {"tier": ["Tier 1", "Tier 2"], "health": ["At Risk"]},
            "action": "Re-engage dormant stakeholders",
        },
        {
            "when": {"tier": ["Tier 1"], "customer": True, "penetration_max": 0.5},
            "action": "Present expansion proposal",
        },
        {"when": {"tier": ["Tier 1"], "customer": True}, "action": "QBR + upsell discussion"},
        {
            "when": {"tier": ["Tier 1"], "customer": False, "pipeline_min": 1},
            "action": "Schedule C-level meeting",
        },
        {
            "when": {"tier": ["Tier 1"], "customer": False},
            "action": "Map the buying committee and open an opportunity",
        },
        {
            "when": {"tier": ["Tier 2"], "customer": True},
            "action": "Quarterly check-in + vertical cross-sell",
        },
        {
            "when": {"tier": ["Tier 2"]},
            "action": "Enroll in vertical campaign track + SDR sequence",
        },
        {
            "when": {"tier": ["Tier 3"]},
            "action": "Programmatic nurture with inside sales follow-up",
        },
        {"when": {"tier": ["Tier 4"]}, "action": "Automated marketing / self-service"},
    ],
    "default_action": "Review account",
    "reassessment": {
        "hysteresis": 5,
        "review_days": 90,
        "upgrade": {
            "triggers": [
                {
                    "field": "intent_surge",
                    "min": 3,
                    "label": "intent surge >= 3x baseline",
                    "from": ["Tier 2"],
                    "to": "Tier 1",
                },
                {
                    "field": "pipeline",
                    "min": 150_000,
                    "label": "deal potential >= $150K discovered",
                    "from": ["Tier 2"],
                    "to": "Tier 1",
                },
                {
                    "field": "engaged_contacts",
                    "min": 3,
                    "label": "3+ stakeholders engaged",
                    "from": ["Tier 2"],
                    "to": "Tier 1",
                },
                {
                    "field": "executive_contacts",
                    "min": 2,
                    "label": "2+ executive relationships",
                    "from": ["Tier 2"],
                    "to": "Tier 1",
                },
            ],
        },
        "downgrade": {"inactive_days": 180, "from": ["Tier 1", "Tier 2", "Tier 3"]},
        "capacity": {"tier": "Tier 1", "reps": None, "overflow_to": "Tier 2"},
    },
    "campaign_tier": "Tier 2",
    "campaign_tracks": {
        "Technology": "SaaS & Technology",
        "Software": "SaaS & Technology",
        "Professional Services": "Professional Services",
        "Financial Services": "Financial Services",
        "Banking": "Financial Services",
        "Insurance": "Financial Services",
        "Manufacturing": "Manufacturing & Distribution",
        "Distribution": "Manufacturing & Distribution",
    },
}
