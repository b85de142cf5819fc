"""The workbench's fixed words: days, levels, ways of travelling, kinds of provider and
opportunity, and how they are taught — the allowed values of the data format's columns.

A module of its own so the data model (``dataset``) and the column specs (``schema``) can both
use them without importing each other.
"""

from __future__ import annotations

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_NAMES = {
    "Mon": "Monday", "Tue": "Tuesday", "Wed": "Wednesday", "Thu": "Thursday",
    "Fri": "Friday", "Sat": "Saturday", "Sun": "Sunday",
}
LEVELS = ("Not yet", "Emerging", "Developing", "Proficient", "Advanced")
PROFICIENT = 3
MODES = ("walk", "bike", "transit", "car")
MODE_WORDS = {"walk": "walking", "bike": "by bike", "transit": "by bus or train", "car": "by car"}
DEVICES = ("none", "phone", "shared", "own")
PROVIDER_KINDS = (
    "school", "cte_center", "college", "community", "workplace", "online", "library", "museum",
    "place_based",
)
PROVIDER_KIND_WORDS = {
    "school": "School", "cte_center": "Career & technical centre", "college": "College",
    "community": "Community organisation", "workplace": "Workplace", "online": "Online",
    "library": "Library", "museum": "Museum", "place_based": "Place-based project",
}
OPPORTUNITY_KINDS = (
    "course", "cte_pathway", "dual_enrollment", "program", "internship", "apprenticeship",
    "online_course", "project", "mentorship", "volunteer",
)
MODALITIES = ("in_person", "online_live", "online_self_paced", "blended")
MODALITY_WORDS = {
    "in_person": "In person", "online_live": "Online, live", "online_self_paced": "Online, own pace",
    "blended": "Part in person, part online",
}
