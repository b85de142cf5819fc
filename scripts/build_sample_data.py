"""Build ``workbench/data/sample/``: the Riverbend school district's catalogue and six learner personas.

Run ``python scripts/build_sample_data.py [OUT_DIR]``. The output is deterministic (one seeded
generator, no clock), so re-running it gives byte-identical files. Providers, opportunities and
personas are written by hand; only the spread of section times is drawn at random, from patterns
real providers use (school periods, after-school 3:30-5:30 pm, Saturday mornings, college evenings
6-8:45 pm, CTE half-day blocks, online own-pace).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.domain.dataset import Evidence, Goal, Learner, Plan, TimeBlock  # noqa: E402
from workbench.domain.generate import travel_times_for  # noqa: E402
from workbench.formats.datadir import write_data_dir  # noqa: E402

RNG = np.random.default_rng(2026)

# --------------------------------------------------------------------------------------------
# Zones: (name, x km, y km, has transit). Riverbend city in the middle, two suburbs, three
# rural areas with no bus service, and the ``online`` zone for online providers.
ZONES = [
    ("Downtown", 10, 10, True), ("Riverside", 8, 7, True), ("Eastside", 14, 10, True),
    ("Westside", 5, 11, True), ("Northgate", 10, 15, True), ("Southport", 11, 4, True),
    ("Old Mill", 12, 7, True), ("University Heights", 7, 14, True), ("Lakeview", 15, 16, True),
    ("Maple Grove", 22, 12, True), ("Cedar Park", 3, 19, True), ("Pine Hollow", -8, 21, False),
    ("Bear Creek", -3, 25, False), ("Harlan Flats", 26, -3, False),
]
ZONE_XY = {z: (x, y) for z, x, y, _ in ZONES}

# --------------------------------------------------------------------------------------------
# Competencies: (id, name, description, difficulty)
DOMAIN_OF = {
    "MATH": "Mathematics", "ELA": "English Language Arts", "SCI": "Science",
    "SOC": "Social Studies", "CTE": "Career & Technical", "ESS": "Essential Skills",
    "DIG": "Digital Literacy", "ART": "Arts",
}
COMPETENCIES = [
    ("MATH.NUM.1", "Ratios and proportional reasoning",
     "Uses ratios, rates and percentages to compare quantities and solve real problems.", 0.8),
    ("MATH.NUM.2", "Working with rational numbers",
     "Adds, subtracts, multiplies and divides fractions, decimals and negative numbers.", 0.8),
    ("MATH.ALG.1", "Solving linear equations",
     "Writes and solves one- and two-step linear equations and inequalities.", 1.0),
    ("MATH.ALG.2", "Linear functions and graphs",
     "Graphs linear relationships and explains slope and intercept in context.", 1.0),
    ("MATH.ALG.3", "Systems of equations",
     "Solves systems of linear equations by graphing, substitution and elimination.", 1.2),
    ("MATH.ALG.4", "Quadratic and exponential functions",
     "Models growth and change with quadratic and exponential functions.", 1.4),
    ("MATH.GEO.1", "Measurement: area, volume and surface area",
     "Calculates lengths, areas and volumes of real objects, including with unit conversion.", 0.9),
    ("MATH.GEO.2", "Geometric proof and congruence",
     "Builds logical arguments about angles, triangles and congruent figures.", 1.4),
    ("MATH.GEO.3", "Right triangles and trigonometry",
     "Uses the Pythagorean theorem and trigonometric ratios to find unknown sides and angles.",
     1.2),
    ("MATH.STA.1", "Describing data",
     "Summarises data with graphs, averages and spread, and describes what they show.", 0.9),
    ("MATH.STA.2", "Probability and statistical inference",
     "Uses probability and samples to draw and question conclusions about a population.", 1.3),
    ("MATH.FIN.1", "Personal finance math",
     "Budgets, compares interest and loans, and calculates wages, taxes and costs.", 0.8),
    ("MATH.MOD.1", "Mathematical modeling",
     "Turns a real situation into a mathematical model, solves it and checks the answer.", 1.3),
    ("ELA.RDL.1", "Reading literature closely",
     "Reads stories, poems and plays closely and explains theme, character and craft.", 1.0),
    ("ELA.RDI.1", "Reading informational texts",
     "Finds the central ideas and evidence in articles, manuals and reports.", 0.9),
    ("ELA.WRI.1", "Argument writing",
     "Writes a clear claim supported by reasons and evidence, and answers counterclaims.", 1.2),
    ("ELA.WRI.2", "Informative and explanatory writing",
     "Explains a topic or process clearly and accurately in writing.", 1.0),
    ("ELA.WRI.3", "Narrative and creative writing",
     "Writes stories and personal narratives with detail, structure and voice.", 1.0),
    ("ELA.RES.1", "Research and citing sources",
     "Asks a research question, gathers sources, judges them and cites them properly.", 1.1),
    ("ELA.SPK.1", "Speaking and presentation",
     "Presents ideas clearly to an audience, adapting to purpose and using visuals well.", 0.9),
    ("ELA.LIS.1", "Listening and discussion",
     "Listens actively and builds on others' ideas in group discussion.", 0.8),
    ("ELA.LAN.1", "Grammar and conventions",
     "Uses standard grammar, spelling and punctuation when writing and speaking.", 0.9),
    ("ELA.MED.1", "Media literacy",
     "Analyses how news, ads and social media shape messages and audiences.", 0.9),
    ("SCI.INQ.1", "Planning and carrying out investigations",
     "Designs a fair test, controls variables and collects reliable data.", 1.0),
    ("SCI.INQ.2", "Analyzing and interpreting data",
     "Organises and graphs scientific data and draws conclusions supported by it.", 1.0),
    ("SCI.LIF.1", "Cells and body systems",
     "Explains how cells, tissues and organ systems keep living things alive.", 1.0),
    ("SCI.LIF.2", "Ecosystems and interactions",
     "Explains food webs, cycles of matter and how living things depend on each other.", 0.9),
    ("SCI.LIF.3", "Heredity and evolution",
     "Explains how traits are inherited and how populations change over time.", 1.2),
    ("SCI.PHY.1", "Forces and motion",
     "Predicts and measures how forces change the motion of objects.", 1.1),
    ("SCI.PHY.2", "Energy and electricity",
     "Traces energy transfer and builds and explains simple electric circuits.", 1.1),
    ("SCI.CHM.1", "Matter and chemical reactions",
     "Explains the structure of matter and balances simple chemical reactions.", 1.3),
    ("SCI.ESS.1", "Earth systems and weather",
     "Explains how water, weather, soil and landforms interact and change.", 0.9),
    ("SCI.ENG.1", "Engineering design",
     "Defines a problem, builds and tests prototypes, and improves a design from results.", 1.0),
    ("SOC.CIV.1", "Civic participation",
     "Takes informed action on a community issue: researching, organising and speaking up.", 0.9),
    ("SOC.CIV.2", "How government works",
     "Explains how local, state and federal government make and carry out decisions.", 1.0),
    ("SOC.HIS.1", "U.S. history and its sources",
     "Explains major events and turning points in U.S. history using evidence.", 1.0),
    ("SOC.HIS.2", "World history",
     "Compares societies, empires and movements across world history.", 1.0),
    ("SOC.HIS.3", "Local and regional history",
     "Researches and tells the history of Riverbend and the river valley.", 0.8),
    ("SOC.GEO.1", "Geography and place",
     "Reads and makes maps and explains how places shape the people who live there.", 0.8),
    ("SOC.ECO.1", "Economics and markets",
     "Explains supply, demand, prices and how businesses and households make choices.", 1.0),
    ("SOC.INQ.1", "Inquiry with primary sources",
     "Questions and interprets letters, photos, records and interviews from the past.", 1.0),
    ("CTE.SAF.1", "Workplace safety",
     "Follows safety rules, uses protective equipment and spots hazards on the job.", 0.6),
    ("CTE.MFG.1", "Welding fundamentals",
     "Sets up equipment and makes sound MIG and stick welds in several positions.", 1.4),
    ("CTE.MFG.2", "Blueprint reading and measurement",
     "Reads technical drawings and measures parts precisely with shop tools.", 1.0),
    ("CTE.MFG.3", "CNC machining basics",
     "Programs and runs a CNC mill or lathe to make a part to specification.", 1.5),
    ("CTE.CON.1", "Construction and carpentry basics",
     "Uses hand and power tools safely to frame, measure and build.", 1.0),
    ("CTE.ELE.1", "Electrical fundamentals",
     "Wires basic residential circuits to code and troubleshoots with a meter.", 1.3),
    ("CTE.HLT.1", "Patient care fundamentals",
     "Takes vital signs, practises infection control and communicates with patients.", 1.1),
    ("CTE.HLT.2", "Medical terminology",
     "Reads and uses the language of medicine: roots, prefixes, body systems.", 0.9),
    ("CTE.AGR.1", "Plant and soil science",
     "Grows crops and manages soil, water and pests in a garden, greenhouse or field.", 1.0),
    ("CTE.AGR.2", "Animal care and science",
     "Feeds, handles and keeps animals healthy, and explains their biology.", 1.0),
    ("CTE.BUS.1", "Entrepreneurship and business planning",
     "Develops a business idea, a budget and a plan to reach customers.", 1.0),
    ("CTE.CUL.1", "Culinary skills and food safety",
     "Prepares food safely with professional knife skills and kitchen practices.", 0.9),
    ("CTE.DES.1", "Graphic and product design",
     "Uses design software and the design process to create visuals and products.", 1.0),
    ("CTE.MED.1", "Audio and video production",
     "Plans, records and edits audio and video stories for an audience.", 1.0),
    ("ESS.COL.1", "Collaboration",
     "Works well in a team: shares the load, resolves disagreements, keeps commitments.", 0.8),
    ("ESS.SDL.1", "Self-direction",
     "Sets goals, plans time and keeps going on long tasks without being told.", 1.0),
    ("ESS.COM.1", "Communication",
     "Communicates clearly and respectfully with peers, adults and the public.", 0.8),
    ("ESS.CRT.1", "Critical thinking and problem solving",
     "Breaks down a problem, weighs options and explains the choice made.", 1.0),
    ("ESS.CRE.1", "Creativity and innovation",
     "Generates original ideas and improves them with feedback.", 0.9),
    ("ESS.PRO.1", "Professionalism and reliability",
     "Shows up on time, dresses and speaks for the setting and follows through.", 0.7),
    ("ESS.LEAD.1", "Leadership",
     "Organises others toward a shared goal and takes responsibility for results.", 1.0),
    ("ESS.CIT.1", "Community engagement",
     "Contributes to the community through service and understands its needs.", 0.7),
    ("DIG.CS.1", "Programming fundamentals",
     "Writes programs with variables, loops, conditions and functions, and debugs them.", 1.2),
    ("DIG.CS.2", "Physical computing and robotics",
     "Builds and programs robots and sensors to respond to the world.", 1.1),
    ("DIG.CS.3", "Web development",
     "Builds and publishes web pages with HTML, CSS and a little JavaScript.", 1.0),
    ("DIG.DAT.1", "Working with data and spreadsheets",
     "Collects, cleans, charts and explains data with spreadsheets.", 0.9),
    ("DIG.SAF.1", "Online safety and privacy",
     "Protects accounts and personal information and recognises scams.", 0.6),
    ("DIG.MED.1", "Digital media creation",
     "Creates podcasts, videos and images with digital tools and shares them responsibly.", 0.9),
    ("DIG.INF.1", "Finding and evaluating information online",
     "Searches effectively and judges whether online sources can be trusted.", 0.8),
    ("ART.VIS.1", "Drawing and painting",
     "Uses line, colour, value and composition in drawing and painting.", 1.0),
    ("ART.VIS.2", "Visual storytelling and illustration",
     "Tells stories through comics, illustration and sequential images.", 1.0),
    ("ART.MUS.1", "Music performance",
     "Performs music on an instrument or voice with accuracy and expression.", 1.1),
    ("ART.MUS.2", "Music composition and production",
     "Writes, arranges and records original music.", 1.1),
    ("ART.THE.1", "Theatre and performance",
     "Develops a character and performs with an ensemble for an audience.", 1.0),
    ("ART.CRI.1", "Responding to art",
     "Describes, interprets and judges works of art with evidence and context.", 0.8),
]

REQUIREMENTS = [
    ("GR.MATH", "Mathematics", 6), ("GR.ELA", "English Language Arts", 6),
    ("GR.SCI", "Science", 5), ("GR.SOC", "Social Studies", 4),
    ("GR.CTE", "Career & Technical", 3), ("GR.ESS", "Essential Skills", 5),
    ("GR.DIG", "Digital Literacy", 3), ("GR.ART", "Arts", 2),
]

# --------------------------------------------------------------------------------------------
# Providers: (id, name, kind, zone, address, offers_broadband, lends_devices)
PROVIDERS = [
    ("PR-RHS", "Riverbend High School", "school", "Downtown", "400 Market St", False, False),
    ("PR-EHS", "Eastside High School", "school", "Eastside", "1200 E Ninth Ave", False, False),
    ("PR-MGHS", "Maple Grove High School", "school", "Maple Grove", "55 Orchard Way", False,
     False),
    ("PR-WMS", "Westside Middle School", "school", "Westside", "820 W Elm St", False, False),
    ("PR-NMS", "Northgate Middle School", "school", "Northgate", "31 Northgate Blvd", False,
     False),
    ("PR-PHS", "Pine Hollow School (K-12)", "school", "Pine Hollow", "7 County Road 12", False,
     False),
    ("PR-ROC", "Riverbend Open Campus", "school", "Old Mill", "150 Mill Race Rd", True, True),
    ("PR-RCTC", "Riverbend Regional Career & Technical Center", "cte_center", "Southport",
     "2100 Foundry Rd", False, False),
    ("PR-HVAT", "Harlan Valley Agriculture & Trades Center", "cte_center", "Harlan Flats",
     "9800 State Route 9", False, False),
    ("PR-RCC", "Riverbend Community College", "college", "University Heights", "1 College Dr",
     True, False),
    ("PR-RCCM", "Riverbend Community College - Maple Grove Center", "college", "Maple Grove",
     "300 Commerce Pkwy", True, False),
    ("PR-LSU", "Lakeview State University", "college", "Lakeview", "500 University Ave", False,
     False),
    ("PR-BGC", "Eastside Boys & Girls Club", "community", "Eastside", "77 Poplar St", True,
     False),
    ("PR-YMCA", "Westside YMCA", "community", "Westside", "1010 W Main St", True, False),
    ("PR-CASA", "Casa del Pueblo Community Center", "community", "Riverside", "245 River Rd",
     True, True),
    ("PR-NYAC", "Northgate Youth Arts Collective", "community", "Northgate", "18 Linden Ave",
     True, False),
    ("PR-SNH", "Southport Neighborhood House", "community", "Southport", "600 Dock St", True,
     True),
    ("PR-4H", "Riverbend County 4-H Extension", "community", "Bear Creek", "4 Fairgrounds Ln",
     False, False),
    ("PR-MAKE", "Old Mill Makerspace", "community", "Old Mill", "12 Turbine Way", True, False),
    ("PR-CPRC", "Cedar Park Recreation Center", "community", "Cedar Park", "90 Cedar Park Dr",
     True, False),
    ("PR-MERCY", "Mercy Riverbend Hospital", "workplace", "Northgate", "2500 N Hospital Dr",
     False, False),
    ("PR-KELLER", "Keller Metal Works", "workplace", "Southport", "40 Industrial Pkwy", False,
     False),
    ("PR-RAH", "Riverbend Animal Hospital", "workplace", "Westside", "415 W Elm St", False,
     False),
    ("PR-SPARK", "Bright Spark Electric", "workplace", "Eastside", "900 E Ninth Ave", False,
     False),
    ("PR-WRVR", "WRVR Riverbend Public Radio", "workplace", "Downtown", "12 Broadcast Sq",
     False, False),
    ("PR-GLF", "Greenleaf Family Farm", "workplace", "Harlan Flats", "13200 County Road 9",
     False, False),
    ("PR-MGD", "Maple Grove Family Dental", "workplace", "Maple Grove", "210 Orchard Way",
     False, False),
    ("PR-PARKS", "City of Riverbend Parks & Recreation", "workplace", "Riverside",
     "1 Riverfront Park", False, False),
    ("PR-RCU", "Riverbend Community Credit Union", "workplace", "Downtown", "300 Market St",
     False, False),
    ("PR-SUN", "Sunrise Senior Living", "workplace", "Cedar Park", "500 Sunrise Ct", False,
     False),
    ("PR-TRI", "Tri-County Builders", "workplace", "Lakeview", "88 Shoreline Rd", False, False),
    ("PR-BYTE", "Bytewise Software", "workplace", "Downtown", "5 Market St, Suite 400", False,
     False),
    ("PR-RVA", "Riverbend Virtual Academy", "online", "online", "", False, False),
    ("PR-OPEN", "OpenPath Online Courses", "online", "online", "", False, False),
    ("PR-CODE", "CodeCampus", "online", "online", "", False, False),
    ("PR-LIBC", "Riverbend Public Library - Central", "library", "Downtown", "100 Library Plaza",
     True, True),
    ("PR-LIBE", "Eastside Branch Library", "library", "Eastside", "61 Poplar St", True, True),
    ("PR-LIBR", "Riverside Branch Library", "library", "Riverside", "230 River Rd", True, False),
    ("PR-LIBM", "Maple Grove Public Library", "library", "Maple Grove", "12 Town Square", True,
     False),
    ("PR-LIBP", "Pine Hollow Community Library", "library", "Pine Hollow", "2 Church St", True,
     True),
    ("PR-SCI", "Riverbend Science Center", "museum", "Downtown", "1 Discovery Way", False,
     False),
    ("PR-ART", "Riverbend Museum of Art", "museum", "University Heights", "75 Gallery Ln",
     False, False),
    ("PR-HIST", "River Valley History Museum", "museum", "Old Mill", "3 Mill Race Rd", False,
     False),
    ("PR-WATER", "Riverbend Watershed Project", "place_based", "Riverside", "Riverfront Park",
     False, False),
    ("PR-BEAR", "Bear Creek Nature Preserve", "place_based", "Bear Creek", "Preserve Rd",
     False, False),
    ("PR-PHFARM", "Pine Hollow Community Garden & Farm", "place_based", "Pine Hollow",
     "18 Orchard Ln", False, False),
    ("PR-MILL", "Old Mill Historic District Survey", "place_based", "Old Mill",
     "Mill Race Rd & 2nd St", False, False),
    ("PR-SWCD", "Harlan County Soil & Water Conservation District", "place_based",
     "Harlan Flats", "9600 State Route 9", False, False),
]

# --------------------------------------------------------------------------------------------
# Opportunities, per provider: (title, kind, grades, cost, interests, alignments, extras).
# alignments: "COMP:intensity:max_level[:min_level]" separated by spaces.
# extras: mod (modality), seats, mentor, credit, car, desc, sec (list of section specs).
# A section spec is "TERM DAYS HH:MM-HH:MM [+selfpaced] [@zone] [#seats]", "TERM self HOURS"
# or "TERM tba". TERM: fall, spring, year, or a short session named in SESSIONS.
SESSIONS = {
    "fall": ("2026-08-31", "2027-01-22"), "spring": ("2027-01-25", "2027-06-11"),
    "year": ("2026-08-31", "2027-06-11"), "sep": ("2026-09-14", "2026-11-06"),
    "oct": ("2026-10-05", "2026-12-11"), "win": ("2027-01-11", "2027-03-05"),
    "feb": ("2027-02-01", "2027-03-26"), "apr": ("2027-04-05", "2027-06-04"),
    "may": ("2027-04-26", "2027-06-11"),
}
PERIODS = ["08:00-08:50", "08:55-09:45", "09:50-10:40", "10:45-11:35", "12:15-13:05",
           "13:10-14:00", "14:05-14:55"]
WEEKDAYS = "Mon;Tue;Wed;Thu;Fri"

HS_COURSES = [
    ("Algebra I", "9-10", "math", "MATH.ALG.1:2.5:3 MATH.ALG.2:2:3 MATH.NUM.2:1:3"),
    ("Geometry", "9-11", "math;design",
     "MATH.GEO.1:2:3 MATH.GEO.2:2:3:1 MATH.GEO.3:1.5:3 MATH.ALG.1:0.5:3"),
    ("Algebra II", "10-12", "math",
     "MATH.ALG.3:2:4 MATH.ALG.4:2.5:4 MATH.ALG.2:1:4:2"),
    ("Statistics & Data Science", "10-12", "math;coding",
     "MATH.STA.1:2:4 MATH.STA.2:2:3 DIG.DAT.1:1.5:3"),
    ("English 9: Stories and Voices", "9-9", "writing",
     "ELA.RDL.1:2:3 ELA.WRI.3:1.5:3 ELA.LAN.1:1:3 ELA.LIS.1:1:3"),
    ("English 10: Argument and Evidence", "10-10", "writing",
     "ELA.WRI.1:2:3 ELA.RDI.1:1.5:3 ELA.RES.1:1:3"),
    ("English 11: American Literature", "11-11", "writing;history",
     "ELA.RDL.1:2:4 ELA.WRI.2:1.5:3 ELA.SPK.1:1:3"),
    ("English 12: Writing for College and Careers", "12-12", "writing;business",
     "ELA.WRI.1:1.5:4 ELA.WRI.2:1.5:4 ELA.RES.1:1.5:4"),
    ("Biology", "9-10", "science;animals",
     "SCI.LIF.1:2:3 SCI.LIF.3:1.5:3 SCI.INQ.1:1:3 SCI.LIF.2:1:3"),
    ("Chemistry", "10-12", "science",
     "SCI.CHM.1:2.5:3 SCI.INQ.2:1.5:3 MATH.ALG.1:0.5:3:2"),
    ("Physics", "11-12", "science;engineering",
     "SCI.PHY.1:2.5:4 SCI.PHY.2:2:4 MATH.ALG.2:0.7:3:2"),
    ("U.S. History", "11-11", "history",
     "SOC.HIS.1:2.5:3 SOC.INQ.1:1.5:3 ELA.RDI.1:1:3"),
    ("World History", "9-10", "history;languages", "SOC.HIS.2:2.5:3 SOC.GEO.1:1.5:3"),
    ("Civics and Government", "12-12", "public service;history",
     "SOC.CIV.2:2.5:3 SOC.CIV.1:1.5:3 ELA.SPK.1:0.5:3"),
    ("Economics and Personal Finance", "11-12", "business;math",
     "SOC.ECO.1:2:3 MATH.FIN.1:2:3"),
    ("Computer Science Principles", "9-12", "coding",
     "DIG.CS.1:2.5:3 DIG.DAT.1:1:3 ESS.CRT.1:1:3"),
    ("Studio Art", "9-12", "art;design", "ART.VIS.1:2.5:4 ART.CRI.1:1:3 ESS.CRE.1:1:3"),
    ("Concert Band", "9-12", "music", "ART.MUS.1:3:4 ESS.COL.1:1:3"),
]
MS_COURSES = [
    ("Math 7", "7-7", "math", "MATH.NUM.1:2.5:3 MATH.NUM.2:2:3"),
    ("Math 8: Pre-Algebra", "8-8", "math", "MATH.ALG.1:2:3 MATH.NUM.2:1:3 MATH.GEO.1:1:3"),
    ("ELA 7", "7-7", "writing", "ELA.RDL.1:2:3 ELA.WRI.3:1.5:3 ELA.LAN.1:1:3"),
    ("ELA 8", "8-8", "writing", "ELA.RDI.1:2:3 ELA.WRI.1:1.5:3 ELA.SPK.1:1:3"),
    ("Life Science 7", "7-7", "science;animals", "SCI.LIF.1:2:3 SCI.LIF.2:2:3 SCI.INQ.1:1:3"),
    ("Physical Science 8", "8-8", "science", "SCI.PHY.1:2:3 SCI.CHM.1:1.5:2 SCI.INQ.2:1:3"),
    ("Our State and Region (Social Studies 7)", "7-7", "history",
     "SOC.HIS.3:2:3 SOC.GEO.1:1.5:3"),
    ("U.S. History to 1877 (Social Studies 8)", "8-8", "history",
     "SOC.HIS.1:2:3 SOC.INQ.1:1:3"),
    ("Middle School Art", "6-8", "art;design", "ART.VIS.1:2.5:3 ESS.CRE.1:1:3"),
    ("Technology & Engineering Exploration", "6-8", "engineering;robotics",
     "SCI.ENG.1:2.5:3 DIG.CS.2:1.5:3 ESS.COL.1:1:3"),
]

OPPS: dict[str, list[tuple]] = {}


def add(provider_id, title, kind, grades, cost, interests, aligns, **extras):
    """Record one opportunity of ``provider_id``."""
    OPPS.setdefault(provider_id, []).append((title, kind, grades, cost, interests, aligns, extras))


def _school_periods(n: int) -> list[str]:
    picks = RNG.choice(len(PERIODS), size=n, replace=False)
    return [f"year {WEEKDAYS} {PERIODS[p]}" for p in sorted(picks)]


for pid in ("PR-RHS", "PR-EHS", "PR-MGHS"):
    for title, grades, tags, al in HS_COURSES:
        add(pid, title, "course", grades, 0, tags, al,
            sec=_school_periods(2 + int(RNG.random() < 0.6)))
for pid in ("PR-WMS", "PR-NMS"):
    for title, grades, tags, al in MS_COURSES:
        add(pid, title, "course", grades, 0, tags, al,
            sec=_school_periods(2 + int(RNG.random() < 0.4)))
add("PR-WMS", "After-School Jazz Band", "program", "6-8", 0, "music",
    "ART.MUS.1:3:3 ESS.COL.1:1:3", sec=["year Tue;Thu 15:15-16:45"])
add("PR-WMS", "Comics & Zine Club", "program", "6-8", 0, "art;writing",
    "ART.VIS.2:2.5:3 ELA.WRI.3:1.5:3", sec=["fall Wed 15:15-16:45", "spring Wed 15:15-16:45"])
add("PR-NMS", "Robotics Club (VEX IQ)", "program", "6-8", 25, "robotics;engineering",
    "DIG.CS.2:3:3 SCI.ENG.1:2:3 ESS.COL.1:1:3",
    sec=["fall Mon;Thu 15:20-17:00", "spring Mon;Thu 15:20-17:00"])
add("PR-NMS", "Student Newspaper", "program", "6-8", 0, "writing;media",
    "ELA.WRI.2:2:3 ELA.MED.1:1.5:3 ESS.COL.1:0.5:3", sec=["year Tue 15:20-16:40"])
add("PR-RHS", "Mock Trial Team", "program", "9-12", 0, "public service;writing",
    "ELA.WRI.1:2:4 ELA.SPK.1:2.5:4 SOC.CIV.2:1:3",
    sec=["fall Tue;Thu 15:30-17:30"])
add("PR-EHS", "FIRST Robotics Team 4680", "program", "9-12", 75, "robotics;engineering;coding",
    "DIG.CS.2:3.5:4 SCI.ENG.1:3:4 DIG.CS.1:1.5:3 ESS.COL.1:1.5:4",
    sec=["fall Mon;Wed 15:30-18:00", "win Mon;Wed;Sat 15:30-18:30"])
add("PR-EHS", "Credit Recovery Lab: Math", "course", "9-12", 0, "math",
    "MATH.ALG.1:2:3 MATH.ALG.2:1.5:3 MATH.NUM.2:1:3", mod="blended",
    sec=["fall Tue;Thu 15:30-17:00 +2", "spring Tue;Thu 15:30-17:00 +2"])
add("PR-MGHS", "DECA Business Club", "program", "9-12", 40, "business",
    "CTE.BUS.1:2:3 ELA.SPK.1:1.5:3 ESS.LEAD.1:1:3", sec=["year Wed 15:15-16:45"])

# Pine Hollow School: small rural K-12
for title, grades, tags, al in [
    ("Math 6-8 (multi-grade)", "6-8", "math", "MATH.NUM.1:2:3 MATH.NUM.2:2:3 MATH.ALG.1:1:3"),
    ("ELA 6-8 (multi-grade)", "6-8", "writing", "ELA.RDL.1:2:3 ELA.WRI.2:1.5:3 ELA.LAN.1:1:3"),
    ("Science 6-8: Our Valley", "6-8", "science;outdoors;environment",
     "SCI.LIF.2:2:3 SCI.ESS.1:2:3 SCI.INQ.1:1:3"),
    ("Social Studies 6-8", "6-8", "history", "SOC.HIS.3:1.5:3 SOC.GEO.1:1.5:3 SOC.CIV.2:1:3"),
    ("Algebra I", "9-10", "math", "MATH.ALG.1:2.5:3 MATH.ALG.2:2:3"),
    ("English 9-10 (combined)", "9-10", "writing", "ELA.RDL.1:2:3 ELA.WRI.1:1.5:3"),
    ("Biology", "9-10", "science;animals", "SCI.LIF.1:2:3 SCI.LIF.3:1.5:3"),
    ("Agricultural Science", "9-12", "agriculture;animals",
     "CTE.AGR.1:2:3 CTE.AGR.2:2:3 SCI.LIF.2:1:3"),
]:
    add("PR-PHS", title, "course", grades, 0, tags, al, sec=_school_periods(1))
add("PR-PHS", "Homework Club & Bus Wait", "program", "6-12", 0, "math;writing",
    "ESS.SDL.1:1:3 MATH.NUM.2:0.5:3", sec=["year Mon;Tue;Wed;Thu 15:00-16:30"])

# Riverbend Open Campus: competency-based studios for home-school hybrid and flexible learners
for title, grades, tags, al, days, times in [
    ("Math Studio (competency-based)", "6-12", "math",
     "MATH.ALG.1:2:4 MATH.ALG.2:2:4 MATH.GEO.1:1.5:4 ESS.SDL.1:1:3",
     "Mon;Wed", "09:00-11:30"),
    ("Writing Studio", "6-12", "writing",
     "ELA.WRI.1:2:4 ELA.WRI.2:2:4 ELA.WRI.3:1.5:4 ELA.LAN.1:1:4", "Tue;Thu", "09:00-11:30"),
    ("Science Lab Days", "6-12", "science",
     "SCI.INQ.1:2.5:4 SCI.INQ.2:2:4 SCI.CHM.1:1:3 SCI.LIF.1:1:3", "Tue;Thu", "12:30-15:00"),
    ("Humanities Seminar", "8-12", "history;writing",
     "SOC.HIS.2:2:3 SOC.INQ.1:1.5:4 ELA.RDL.1:1.5:4 ELA.LIS.1:1:4", "Mon;Wed", "12:30-15:00"),
    ("Advisory & Personal Learning Plan", "6-12", "public service",
     "ESS.SDL.1:2.5:4 ESS.COM.1:1:3", "Fri", "09:00-10:30"),
    ("Home-School Hybrid: Project Days", "6-12", "design;engineering;science",
     "SCI.ENG.1:2:3 ESS.CRE.1:1.5:4 ESS.COL.1:1.5:4", "Fri", "10:45-14:00"),
    ("Spanish for Heritage Speakers", "6-12", "languages;writing",
     "ELA.WRI.2:1:3 ELA.SPK.1:1.5:3 ESS.COM.1:1:3", "Mon;Wed", "15:30-17:00"),
]:
    add("PR-ROC", title, "course", grades, 0, tags, al, mod="blended",
        sec=[f"fall {days} {times} +3", f"spring {days} {times} +3"])
add("PR-ROC", "Open Campus Learning Commons (drop-in)", "program", "6-12", 0, "coding;writing",
    "ESS.SDL.1:1.5:3 DIG.INF.1:1:3", sec=["year Mon;Tue;Wed;Thu 15:00-18:00"])

# CTE centres
CTE_AM, CTE_PM = f"{WEEKDAYS} 08:00-11:00", f"{WEEKDAYS} 12:00-15:00"
for title, grades, tags, al, cost, extra in [
    ("Welding Technology I", "10-12", "manufacturing;construction",
     "CTE.MFG.1:5:3 CTE.SAF.1:3:3 CTE.MFG.2:2:3 MATH.GEO.1:1:3", 150, {}),
    ("Welding Technology II (AWS certification track)", "11-12", "manufacturing",
     "CTE.MFG.1:5:4:2 CTE.MFG.2:2.5:4 CTE.SAF.1:1:4 ESS.PRO.1:1:3", 200, {}),
    ("Machining & CNC Technology", "10-12", "manufacturing;engineering",
     "CTE.MFG.3:4.5:3 CTE.MFG.2:2.5:3 MATH.GEO.3:1:3 CTE.SAF.1:1.5:3", 150, {}),
    ("Construction Trades", "10-12", "construction",
     "CTE.CON.1:5:3 CTE.SAF.1:2:3 MATH.GEO.1:1.5:3 ESS.COL.1:1:3", 120, {}),
    ("Electrical Technology", "11-12", "construction;engineering",
     "CTE.ELE.1:4.5:3 SCI.PHY.2:2:3 CTE.SAF.1:2:3", 150, {}),
    ("Health Sciences: Certified Nursing Assistant", "11-12", "health care",
     "CTE.HLT.1:5:3 CTE.HLT.2:2.5:3 ESS.COM.1:1:3 SCI.LIF.1:1:3", 250, {}),
    ("Culinary Arts & Hospitality", "10-12", "cooking;business",
     "CTE.CUL.1:5:3 CTE.BUS.1:1:3 MATH.NUM.1:0.5:3", 100, {}),
    ("Automotive Technology", "10-12", "engineering;manufacturing",
     "CTE.SAF.1:2:3 CTE.ELE.1:2:3 ESS.CRT.1:1.5:3", 150, {}),
    ("Digital Media Production", "10-12", "media;design",
     "CTE.MED.1:4.5:3 DIG.MED.1:3:4 ELA.WRI.2:1:3", 60, {}),
    ("Graphic Design & Printing", "10-12", "design;art;business",
     "CTE.DES.1:4.5:3 ART.VIS.1:1.5:3 DIG.MED.1:1.5:3", 60, {}),
    ("Pre-Engineering & Robotics", "10-12", "robotics;engineering;coding",
     "SCI.ENG.1:4:4 DIG.CS.2:3:4 MATH.MOD.1:1.5:3 DIG.CS.1:1:3", 80, {}),
]:
    add("PR-RCTC", title, "cte_pathway", grades, cost, tags, al,
        sec=[f"year {CTE_AM}", f"year {CTE_PM}"], **extra)
add("PR-RCTC", "OSHA 10 Safety Certification", "course", "10-12", 25, "construction;manufacturing",
    "CTE.SAF.1:4:3", sec=["oct Sat 08:30-12:30", "feb Sat 08:30-12:30", "apr Sat 08:30-12:30"])
add("PR-RCTC", "Intro to the Trades (evening sampler)", "program", "8-10", 0,
    "construction;manufacturing;engineering",
    "CTE.SAF.1:2:2 CTE.CON.1:1.5:2 CTE.MFG.1:1:2 CTE.ELE.1:1:2",
    sec=["sep Tue 17:30-19:30", "feb Tue 17:30-19:30", "apr Thu 17:30-19:30"])
add("PR-RCTC", "Summer Bridge: Welding Boot Camp", "program", "9-12", 75, "manufacturing",
    "CTE.MFG.1:5:2 CTE.SAF.1:2:3", sec=["may Mon;Wed 15:30-18:30"])
for title, grades, tags, al, cost in [
    ("Agricultural Science & Animal Systems", "9-12", "agriculture;animals",
     "CTE.AGR.2:4.5:3 CTE.AGR.1:2:3 SCI.LIF.1:1:3", 60),
    ("Agricultural Mechanics & Welding", "10-12", "agriculture;manufacturing",
     "CTE.MFG.1:4:3 CTE.SAF.1:2:3 CTE.MFG.2:1.5:3", 120),
    ("Plant Systems & Greenhouse Management", "9-12", "agriculture;environment",
     "CTE.AGR.1:4.5:3 SCI.LIF.2:2:3 CTE.BUS.1:0.5:3", 40),
    ("Diesel & Small Engine Repair", "10-12", "engineering;agriculture",
     "CTE.SAF.1:2:3 CTE.ELE.1:1.5:3 ESS.CRT.1:1.5:3", 100),
    ("Farm Business Management", "11-12", "agriculture;business",
     "CTE.BUS.1:3.5:3 MATH.FIN.1:2:3 DIG.DAT.1:1:3", 0),
]:
    add("PR-HVAT", title, "cte_pathway", grades, cost, tags, al,
        sec=[f"year {CTE_AM}", f"year {CTE_PM}"])
add("PR-HVAT", "FFA Chapter: Livestock & Leadership", "program", "7-12", 35,
    "agriculture;animals", "CTE.AGR.2:2.5:3 ESS.LEAD.1:2:3 ELA.SPK.1:1:3",
    sec=["year Thu 18:00-19:30", "year Sat 09:00-11:00"])

# Colleges: dual enrollment (grades 11-12). Tuition is covered by the district; cost = books/fees.
EVE = ["Mon;Wed 18:00-20:45", "Tue;Thu 18:00-20:45"]
DAY = ["Mon;Wed;Fri 10:00-10:50", "Tue;Thu 11:00-12:15", "Mon;Wed 13:00-14:15"]
for code, title, credit, cost, tags, al, mode in [
    ("ENG 101", "College Composition I", 3, 60, "writing",
     "ELA.WRI.1:3:4:2 ELA.RES.1:2.5:4 ELA.LAN.1:1:4", "in_person"),
    ("ENG 102", "College Composition II: Research Writing", 3, 60, "writing",
     "ELA.RES.1:3:4:3 ELA.WRI.1:2:4:3 ELA.RDI.1:1:4", "in_person"),
    ("MAT 121", "College Algebra", 3, 90, "math",
     "MATH.ALG.4:3:4:2 MATH.ALG.3:2:4:2 MATH.MOD.1:1:4", "in_person"),
    ("MAT 140", "Introduction to Statistics", 3, 90, "math;business",
     "MATH.STA.2:3:4:1 MATH.STA.1:2:4 DIG.DAT.1:1:4", "blended"),
    ("PSY 101", "Introduction to Psychology", 3, 75, "health care;science",
     "SCI.INQ.2:1:3 ELA.RDI.1:1.5:4 ESS.CRT.1:1:4", "online_live"),
    ("HIS 110", "U.S. History to 1877", 3, 50, "history",
     "SOC.HIS.1:3:4:2 SOC.INQ.1:2:4 ELA.WRI.2:1:4", "in_person"),
    ("BIO 105", "Human Anatomy & Physiology I", 4, 140, "health care;science",
     "SCI.LIF.1:3.5:4:2 CTE.HLT.2:1.5:3 SCI.INQ.1:1:4", "in_person"),
    ("CHM 110", "General Chemistry I", 4, 140, "science",
     "SCI.CHM.1:3.5:4:2 SCI.INQ.2:1.5:4 MATH.ALG.4:0.5:3:2", "in_person"),
    ("BUS 101", "Introduction to Business", 3, 75, "business",
     "CTE.BUS.1:2.5:4 SOC.ECO.1:2:4 ESS.COM.1:0.5:4", "blended"),
    ("CSC 110", "Programming in Python", 3, 0, "coding",
     "DIG.CS.1:3.5:4:1 ESS.CRT.1:1.5:4 DIG.DAT.1:1:4", "in_person"),
    ("HLT 120", "Medical Terminology", 3, 80, "health care",
     "CTE.HLT.2:4:4 ELA.LAN.1:0.5:4", "online_self_paced"),
    ("WLD 110", "Welding Fundamentals (evening)", 3, 180, "manufacturing",
     "CTE.MFG.1:4.5:3 CTE.SAF.1:2:3", "in_person"),
    ("SPA 101", "Elementary Spanish I", 4, 70, "languages",
     "ELA.SPK.1:1.5:3 ESS.COM.1:1.5:3", "in_person"),
    ("COM 110", "Public Speaking", 3, 40, "public service;media",
     "ELA.SPK.1:3.5:4:2 ELA.LIS.1:1.5:4 ESS.COM.1:1.5:4", "in_person"),
    ("ART 110", "Drawing I", 3, 120, "art;design",
     "ART.VIS.1:3:4:1 ART.CRI.1:1:4", "in_person"),
]:
    secs = []
    if mode == "online_self_paced":
        secs = ["fall self 6", "spring self 6"]
    else:
        secs = [f"fall {EVE[int(RNG.integers(0, 2))]}", f"spring {EVE[int(RNG.integers(0, 2))]}"]
        for term in ("fall", "spring"):
            if RNG.random() < 0.5:
                secs.append(f"{term} {DAY[int(RNG.integers(0, 3))]}")
        if mode == "blended":
            secs = [s + " +3" for s in secs]
    add("PR-RCC", f"{code} {title}", "dual_enrollment", "11-12", cost, tags, al, mod=mode,
        credit=credit, sec=secs, desc=f"{credit} college credits; tuition covered for "
        "district juniors and seniors.")
for code, title, credit, cost, tags, al, secs in [
    ("ENG 101", "College Composition I", 3, 60, "writing",
     "ELA.WRI.1:3:4:2 ELA.RES.1:2.5:4 ELA.LAN.1:1:4",
     ["fall Mon;Wed 18:00-20:45", "spring Mon;Wed 18:00-20:45"]),
    ("MAT 121", "College Algebra", 3, 90, "math",
     "MATH.ALG.4:3:4:2 MATH.ALG.3:2:4:2 MATH.MOD.1:1:4",
     ["fall Tue;Thu 18:00-20:45", "spring Tue;Thu 18:00-20:45"]),
    ("BUS 110", "Principles of Accounting I", 3, 110, "business;math",
     "MATH.FIN.1:3:4 CTE.BUS.1:2:4 DIG.DAT.1:1.5:4",
     ["fall Tue;Thu 18:00-20:45", "spring Mon;Wed 18:00-20:45"]),
    ("CSC 120", "Web Development I", 3, 0, "coding;design",
     "DIG.CS.3:3.5:4 DIG.CS.1:1.5:4:1 CTE.DES.1:1:3",
     ["fall Tue;Thu 18:00-20:45 +2", "spring Tue;Thu 18:00-20:45 +2"]),
    ("HLT 105", "CPR, First Aid & Safety for Health Careers", 1, 45, "health care",
     "CTE.HLT.1:3:3 CTE.SAF.1:2:3", ["oct Sat 09:00-13:00", "feb Sat 09:00-13:00"]),
    ("ECO 201", "Principles of Macroeconomics", 3, 85, "business",
     "SOC.ECO.1:3.5:4:2 MATH.STA.1:1:4",
     ["spring Tue;Thu 18:00-20:45"]),
]:
    add("PR-RCCM", f"{code} {title}", "dual_enrollment", "11-12", cost, tags, al, credit=credit,
        sec=secs, mod="blended" if code == "CSC 120" else "in_person",
        desc=f"{credit} college credits at the Maple Grove Center; tuition covered for "
        "district juniors and seniors.")
add("PR-LSU", "MATH 151 Calculus I (early college)", "dual_enrollment", "12-12", 120, "math",
    "MATH.MOD.1:3:4:2 MATH.ALG.4:2:4:3", credit=4,
    sec=["fall Mon;Wed;Fri 08:00-08:50", "spring Mon;Wed;Fri 08:00-08:50"])
add("PR-LSU", "ENVS 110 Environmental Science", "dual_enrollment", "11-12", 90,
    "environment;science;outdoors", "SCI.ESS.1:3:4 SCI.LIF.2:2:4 SCI.INQ.2:1.5:4", credit=4,
    sec=["fall Tue;Thu 16:00-18:30", "spring Tue;Thu 16:00-18:30"])
add("PR-LSU", "Saturday Science Academy", "program", "8-12", 0, "science;engineering",
    "SCI.INQ.1:3:4 SCI.ENG.1:2:3 ESS.COL.1:1:3",
    sec=["oct Sat 09:00-12:00", "feb Sat 09:00-12:00"])
add("PR-LSU", "Upward Bound College Prep", "mentorship", "9-12", 0, "writing;math",
    "ESS.SDL.1:2:3 ELA.WRI.1:1:3 MATH.ALG.2:1:3", mentor="College student mentor",
    sec=["year Wed 16:00-18:00", "year Sat 10:00-13:00"])

# Community organisations
for pid, items in {
    "PR-BGC": [
        ("Teen Robotics League", "program", "6-12", 0, "robotics;engineering;coding",
         "DIG.CS.2:3.5:3 SCI.ENG.1:2:3 ESS.COL.1:1.5:3", ["fall Tue;Thu 15:30-17:30",
                                                         "spring Tue;Thu 15:30-17:30"]),
        ("Homework Help & Tutoring", "program", "6-12", 0, "math;writing",
         "MATH.NUM.2:1:3 ELA.WRI.2:0.8:3 ESS.SDL.1:1:3", ["year Mon;Tue;Wed;Thu 15:30-17:00"]),
        ("Keystone Leadership Club", "program", "9-12", 0, "public service",
         "ESS.LEAD.1:2.5:3 ESS.CIT.1:2:3 ELA.SPK.1:1:3", ["year Fri 16:00-17:30"]),
        ("Money Matters: Teen Financial Literacy", "program", "8-12", 0, "business;math",
         "MATH.FIN.1:3:3 SOC.ECO.1:1:3", ["sep Wed 16:00-17:30", "feb Wed 16:00-17:30"]),
        ("Youth of the Year Public Speaking", "program", "9-12", 0, "public service;writing",
         "ELA.SPK.1:3:4 ELA.WRI.3:1:3", ["win Mon 16:00-17:30"]),
        ("Gym & Game Room Junior Staff", "volunteer", "8-12", 0, "sports",
         "ESS.PRO.1:2:3 ESS.LEAD.1:1:3", ["year Sat 10:00-13:00"]),
    ],
    "PR-YMCA": [
        ("Youth & Government", "program", "9-12", 60, "public service;history",
         "SOC.CIV.2:3:4 SOC.CIV.1:2:4 ELA.SPK.1:1.5:4", ["fall Mon 18:00-19:30",
                                                       "spring Mon 18:00-19:30"]),
        ("Lifeguard Certification", "course", "9-12", 150, "sports;health care",
         "CTE.HLT.1:2:3 CTE.SAF.1:2:3", ["oct Sat 09:00-14:00", "apr Sat 09:00-14:00"]),
        ("American Red Cross First Aid & CPR", "course", "7-12", 70, "health care",
         "CTE.HLT.1:3:3 CTE.SAF.1:1.5:3", ["sep Sat 09:00-12:00", "win Sat 09:00-12:00",
                                           "apr Sat 09:00-12:00"]),
        ("Youth Volunteer Corps", "volunteer", "6-12", 0, "public service;environment",
         "ESS.CIT.1:3:3 ESS.COL.1:1.5:3", ["year Sat 13:00-16:00"]),
        ("Teen Fitness & Nutrition Coach Training", "program", "9-12", 40,
         "sports;health care;cooking", "SCI.LIF.1:1.5:3 ESS.COM.1:1:3 CTE.CUL.1:0.5:2",
         ["feb Tue;Thu 16:00-17:30"]),
    ],
    "PR-CASA": [
        ("Bilingual Homework Club / Club de tareas", "program", "6-12", 0,
         "languages;writing;math", "ELA.WRI.2:1:3 MATH.NUM.2:1:3 ESS.SDL.1:1:3",
         ["year Mon;Wed 15:30-17:30"]),
        ("Youth Mural Project", "project", "6-12", 0, "art;design;public service",
         "ART.VIS.1:3:3 ESS.COL.1:2:3 ESS.CIT.1:1:3", ["apr Sat 10:00-14:00 @Riverside",
                                                       "sep Sat 10:00-14:00"]),
        ("Cocina Comunitaria: Community Kitchen", "program", "8-12", 20, "cooking;business",
         "CTE.CUL.1:3:3 CTE.BUS.1:1:3 ESS.COL.1:1:3", ["oct Thu 16:00-18:30",
                                                       "feb Thu 16:00-18:30"]),
        ("Immigrant Stories Oral History Project", "project", "8-12", 0,
         "history;media;writing", "SOC.INQ.1:3:4 SOC.HIS.3:2:4 CTE.MED.1:1:3 ELA.LIS.1:1:3",
         ["spring Tue 16:00-18:00"]),
        ("Digital Skills for Families", "program", "6-12", 0, "coding;media",
         "DIG.SAF.1:3:3 DIG.INF.1:2:3", ["sep Sat 10:00-12:00", "feb Sat 10:00-12:00"]),
    ],
    "PR-NYAC": [
        ("Teen Music Production Lab", "program", "7-12", 60, "music;media",
         "ART.MUS.2:3.5:4 DIG.MED.1:1.5:3 ESS.CRE.1:1:3", ["fall Tue;Thu 16:00-18:00",
                                                           "spring Tue;Thu 16:00-18:00"]),
        ("Youth Theatre Ensemble", "program", "6-12", 45, "theatre;writing",
         "ART.THE.1:3.5:4 ESS.COL.1:1.5:3 ELA.SPK.1:1:3", ["fall Mon;Wed 16:00-18:00",
                                                           "spring Mon;Wed 16:00-18:00"]),
        ("Open Studio: Drawing & Painting", "program", "6-12", 0, "art",
         "ART.VIS.1:3:4 ART.CRI.1:1:3", ["year Sat 12:00-15:00"]),
        ("Songwriting Circle", "program", "8-12", 0, "music;writing",
         "ART.MUS.2:2.5:3 ELA.WRI.3:1.5:3", ["oct Fri 16:00-17:30", "apr Fri 16:00-17:30"]),
        ("Teen Arts Council", "volunteer", "9-12", 0, "art;public service",
         "ESS.LEAD.1:2:3 ESS.CIT.1:1.5:3 ART.CRI.1:1:3", ["year Wed 17:00-18:30"]),
    ],
    "PR-SNH": [
        ("Southport Youth Jobs Program", "program", "9-12", 0, "business",
         "ESS.PRO.1:3:3 ESS.COM.1:1.5:3 CTE.BUS.1:0.5:2", ["fall Tue;Thu 15:30-17:30",
                                                           "spring Tue;Thu 15:30-17:30"]),
        ("Bike Repair Co-op", "program", "6-12", 0, "engineering;sports",
         "SCI.PHY.1:1.5:3 ESS.CRT.1:1.5:3 CTE.SAF.1:1:2", ["year Sat 10:00-13:00"]),
        ("Teen Cooking Club", "program", "6-10", 15, "cooking",
         "CTE.CUL.1:3:3 MATH.NUM.1:0.8:3", ["oct Wed 15:30-17:30", "apr Wed 15:30-17:30"]),
        ("Peer Mentors for Younger Kids", "volunteer", "9-12", 0, "public service",
         "ESS.LEAD.1:2:3 ESS.COM.1:1.5:3 ESS.CIT.1:1:3", ["year Mon 15:30-17:00"]),
    ],
    "PR-4H": [
        ("4-H Livestock Club", "program", "6-12", 25, "animals;agriculture",
         "CTE.AGR.2:3.5:3 ESS.SDL.1:1.5:3 ELA.SPK.1:0.8:3",
         ["year Sat 09:00-11:00", "year Tue 18:00-19:30"]),
        ("4-H Robotics & Engineering", "program", "6-10", 20, "robotics;engineering",
         "DIG.CS.2:3:3 SCI.ENG.1:2:3", ["fall Thu 16:00-18:00", "spring Thu 16:00-18:00"]),
        ("4-H Veterinary Science", "program", "7-12", 20, "animals;health care",
         "CTE.AGR.2:2.5:3 SCI.LIF.1:2:3", ["win Wed 16:30-18:00"]),
        ("County Fair Project", "project", "6-12", 10, "agriculture;animals;business",
         "CTE.AGR.1:2:3 CTE.BUS.1:1.5:3 ESS.SDL.1:2:4", ["spring tba"]),
        ("4-H Outdoor Adventure & Shooting Sports Safety", "program", "7-12", 40,
         "outdoors;sports", "CTE.SAF.1:2:3 ESS.COL.1:1:3", ["apr Sat 13:00-16:00"]),
    ],
    "PR-MAKE": [
        ("Intro to 3D Printing & CAD", "program", "6-12", 35, "design;engineering",
         "CTE.DES.1:3:3 SCI.ENG.1:2:3 MATH.GEO.1:1:3", ["sep Wed 16:00-18:00",
                                                        "win Wed 16:00-18:00",
                                                        "apr Wed 16:00-18:00"]),
        ("Laser Cutting & Product Design", "program", "8-12", 45, "design;business",
         "CTE.DES.1:3:4:1 ESS.CRE.1:2:4", ["oct Sat 10:00-12:30", "feb Sat 10:00-12:30"]),
        ("Electronics & Arduino", "program", "7-12", 40, "robotics;coding;engineering",
         "DIG.CS.2:3.5:4 SCI.PHY.2:2:3 DIG.CS.1:1:3", ["fall Thu 16:00-18:00",
                                                       "spring Thu 16:00-18:00"]),
        ("Woodshop Basics", "program", "6-12", 30, "construction;design",
         "CTE.CON.1:3:3 CTE.SAF.1:2:3 MATH.GEO.1:1:3", ["sep Sat 13:00-15:30",
                                                        "feb Sat 13:00-15:30"]),
        ("Maker Entrepreneurs", "program", "9-12", 25, "business;design",
         "CTE.BUS.1:3:3 ESS.CRE.1:1.5:3 ELA.SPK.1:1:3", ["spring Mon 17:00-19:00"]),
    ],
    "PR-CPRC": [
        ("Junior Camp Counselor Program", "volunteer", "8-12", 0, "sports;outdoors",
         "ESS.LEAD.1:2.5:3 ESS.PRO.1:1.5:3", ["may Sat 09:00-13:00"]),
        ("Youth Basketball Referee Training", "course", "8-12", 20, "sports",
         "ESS.COM.1:1.5:3 ESS.PRO.1:1.5:3", ["oct Tue 18:00-19:30"]),
        ("Nature Explorers", "program", "6-8", 0, "outdoors;environment;animals",
         "SCI.LIF.2:2.5:3 SCI.INQ.1:1.5:3", ["sep Fri 15:30-17:30", "apr Fri 15:30-17:30"]),
    ],
}.items():
    for title, kind, grades, cost, tags, al, secs in items:
        add(pid, title, kind, grades, cost, tags, al, sec=secs)

# Workplaces: internships and apprenticeships with a named mentor role
for pid, items in {
    "PR-MERCY": [
        ("Health Careers Internship", "internship", "10-12", 0, "health care;science",
         "CTE.HLT.1:3.5:3 CTE.HLT.2:2:3 ESS.PRO.1:2:4 ESS.COM.1:1.5:4",
         ["fall Tue;Thu 15:30-18:30", "spring Tue;Thu 15:30-18:30 #0"], "Registered nurse", {}),
        ("Hospital Volunteer Program", "volunteer", "9-12", 0, "health care;public service",
         "ESS.PRO.1:2:3 ESS.CIT.1:2:3 ESS.COM.1:1:3", ["year Sat 09:00-12:00",
                                                       "year Wed 16:00-19:00"],
         "Volunteer coordinator", {}),
        ("Medical Explorers Post", "mentorship", "9-12", 25, "health care;science",
         "CTE.HLT.2:2:3 CTE.HLT.1:1.5:3 SCI.LIF.1:1:3", ["year Wed 18:00-19:30"],
         "Emergency physician", {}),
        ("Pharmacy Job Shadow", "mentorship", "11-12", 0, "health care;science",
         "CTE.HLT.2:2:3 ESS.PRO.1:1:3", ["spring tba"], "Pharmacist", {}),
    ],
    "PR-KELLER": [
        ("Youth Registered Welding Apprenticeship", "apprenticeship", "11-12", 0,
         "manufacturing;construction", "CTE.MFG.1:5:4:2 CTE.MFG.2:3:4 CTE.SAF.1:2:4 "
         "ESS.PRO.1:2:4", ["fall Mon;Wed 15:30-18:30", "spring Mon;Wed 15:30-18:30 #1"],
         "Certified welding inspector", {"desc": "Paid apprenticeship ($15/hour); counts toward "
                                         "a journeyworker certificate."}),
        ("Shop Floor Job Shadow", "mentorship", "9-12", 0, "manufacturing;engineering",
         "CTE.SAF.1:2:3 CTE.MFG.2:1:3 ESS.PRO.1:1:3", ["oct Fri 13:00-15:00", "feb tba"],
         "Production supervisor", {}),
    ],
    "PR-RAH": [
        ("Veterinary Assistant Internship", "internship", "10-12", 0, "animals;health care",
         "CTE.AGR.2:3.5:3 CTE.HLT.2:1:3 ESS.PRO.1:1.5:3",
         ["fall Mon;Wed 15:30-18:00", "spring Sat 08:00-12:00"], "Veterinary technician", {}),
        ("Kennel Volunteer", "volunteer", "8-12", 0, "animals",
         "CTE.AGR.2:2:3 ESS.PRO.1:1.5:3", ["year Sun 09:00-11:00"], "Kennel manager", {}),
    ],
    "PR-SPARK": [
        ("Electrical Pre-Apprenticeship", "apprenticeship", "11-12", 0,
         "construction;engineering", "CTE.ELE.1:5:3 CTE.SAF.1:2.5:3 ESS.PRO.1:1.5:3",
         ["spring Tue;Thu 15:30-18:30 @Lakeview"], "Licensed electrician",
         {"car": True, "desc": "Job sites rotate around the county: you need your own car."}),
        ("Women in the Trades Mentorship", "mentorship", "9-12", 0, "construction",
         "CTE.SAF.1:1.5:3 ESS.PRO.1:1:3 CTE.ELE.1:1:2", ["year Thu 17:30-19:00"],
         "Licensed electrician", {}),
    ],
    "PR-WRVR": [
        ("Youth Radio Reporter Internship", "internship", "10-12", 0, "media;writing",
         "CTE.MED.1:3.5:4 ELA.WRI.2:2:4 ELA.SPK.1:1.5:4 ELA.MED.1:1.5:4",
         ["fall Mon;Wed 16:00-18:30", "spring Mon;Wed 16:00-18:30"], "News producer", {}),
        ("Podcast Production Mentorship", "mentorship", "8-12", 0, "media;music",
         "DIG.MED.1:3:3 CTE.MED.1:2:3 ELA.SPK.1:1:3", ["win Sat 10:00-12:00", "oct tba"],
         "Audio engineer", {}),
    ],
    "PR-GLF": [
        ("Farm Hand Apprenticeship", "apprenticeship", "10-12", 0, "agriculture;animals",
         "CTE.AGR.1:4:3 CTE.AGR.2:3:3 CTE.SAF.1:1.5:3 ESS.PRO.1:2:3",
         ["apr Sat 07:00-12:00", "sep Sat 07:00-12:00"], "Farm manager", {}),
        ("Farm Market Business Internship", "internship", "9-12", 0, "business;agriculture",
         "CTE.BUS.1:3:3 MATH.FIN.1:1.5:3 ESS.COM.1:1.5:3", ["may Sat 08:00-13:00"],
         "Farm market manager", {}),
    ],
    "PR-MGD": [
        ("Dental Office Internship", "internship", "10-12", 0, "health care",
         "CTE.HLT.1:2.5:3 CTE.HLT.2:2:3 ESS.PRO.1:2:3", ["fall Tue;Thu 15:30-18:00",
                                                         "spring Tue;Thu 15:30-18:00"],
         "Dental hygienist", {}),
    ],
    "PR-PARKS": [
        ("Junior Park Ranger Internship", "internship", "10-12", 0, "outdoors;environment",
         "SCI.LIF.2:2.5:3 ESS.PRO.1:1.5:3 ESS.COM.1:1.5:3 SOC.CIV.1:1:3",
         ["apr Sat 09:00-13:00", "sep Sat 09:00-13:00"], "Park ranger", {}),
        ("Youth Conservation Crew", "internship", "9-12", 0, "outdoors;environment;construction",
         "ESS.COL.1:2:3 CTE.SAF.1:1.5:3 SCI.ESS.1:1.5:3",
         ["may Tue;Thu 15:30-18:30 @Bear Creek"], "Crew leader", {"car": True}),
    ],
    "PR-RCU": [
        ("Teen Bank Teller Internship", "internship", "11-12", 0, "business;math",
         "MATH.FIN.1:3:4 CTE.BUS.1:1.5:3 ESS.PRO.1:2:4 ESS.COM.1:1:3",
         ["fall Fri 15:30-18:30", "spring Fri 15:30-18:30"], "Branch manager", {}),
        ("Financial Literacy Peer Educators", "volunteer", "10-12", 0, "business;public service",
         "MATH.FIN.1:2:3 ELA.SPK.1:1.5:3 ESS.LEAD.1:1:3", ["win Wed 16:00-17:30"],
         "Financial counsellor", {}),
    ],
    "PR-SUN": [
        ("Caregiving Internship", "internship", "10-12", 0, "health care;public service",
         "CTE.HLT.1:3:3 ESS.COM.1:2:3 ESS.PRO.1:1.5:3", ["fall Mon;Wed 15:30-18:00",
                                                         "spring Sat 09:00-13:00"],
         "Licensed practical nurse", {}),
        ("Intergenerational Tech Buddies", "volunteer", "7-12", 0, "coding;public service",
         "DIG.SAF.1:2:3 ESS.COM.1:2:3 ESS.CIT.1:1.5:3", ["year Thu 16:00-17:30"],
         "Activities director", {}),
    ],
    "PR-TRI": [
        ("Carpentry Youth Apprenticeship", "apprenticeship", "11-12", 0, "construction",
         "CTE.CON.1:5:4:1 CTE.SAF.1:2:4 MATH.GEO.1:1.5:3 ESS.PRO.1:1.5:4",
         ["spring Mon;Wed;Fri 14:00-17:00"], "Journeyman carpenter",
         {"car": True, "desc": "Rotating job sites across the county; own car needed."}),
    ],
    "PR-BYTE": [
        ("Software Engineering Internship", "internship", "11-12", 0, "coding;business",
         "DIG.CS.1:3.5:4:2 DIG.CS.3:2:4 ESS.COL.1:1.5:4 ESS.PRO.1:1:4",
         ["spring Tue;Thu 16:00-18:30"], "Software developer", {"mod": "blended"}),
        ("Code Mentors", "mentorship", "8-12", 0, "coding",
         "DIG.CS.1:2.5:3 ESS.SDL.1:1:3", ["fall Wed 17:00-18:30", "spring Wed 17:00-18:30"],
         "Software developer", {}),
    ],
}.items():
    for title, kind, grades, cost, tags, al, secs, mentor, extra in items:
        mod = extra.pop("mod", "in_person")
        add(pid, title, kind, grades, cost, tags, al, sec=secs, mentor=mentor,
            **({"mod": mod} | extra))

# Online providers
for pid, items in {
    "PR-RVA": [
        ("Algebra I (online)", "9-10", 0, "math", "MATH.ALG.1:2:3 MATH.ALG.2:2:3 ESS.SDL.1:1:3"),
        ("Geometry (online)", "9-11", 0, "math", "MATH.GEO.1:2:3 MATH.GEO.2:1.5:3:1"),
        ("Biology (online)", "9-10", 0, "science", "SCI.LIF.1:2:3 SCI.LIF.3:1.5:3"),
        ("English 9 (online)", "9-9", 0, "writing", "ELA.RDL.1:1.5:3 ELA.WRI.2:1.5:3"),
        ("U.S. History (online)", "11-12", 0, "history", "SOC.HIS.1:2:3 SOC.INQ.1:1:3"),
        ("Health & Wellness", "9-12", 0, "health care;sports",
         "SCI.LIF.1:1:3 CTE.HLT.1:0.5:2 ESS.SDL.1:1:3"),
        ("Spanish I (online)", "8-12", 0, "languages", "ESS.COM.1:1.5:3 ELA.LAN.1:0.5:3"),
        ("AP Computer Science A", "10-12", 0, "coding", "DIG.CS.1:3:4:2 ESS.CRT.1:1.5:4"),
        ("Personal Finance (online)", "10-12", 0, "business;math",
         "MATH.FIN.1:2.5:3 SOC.ECO.1:1:3"),
        ("Environmental Science (online)", "9-12", 0, "environment;science",
         "SCI.ESS.1:2:3 SCI.LIF.2:1.5:3 SCI.INQ.2:1:3"),
        ("Creative Writing (online)", "8-12", 0, "writing;art",
         "ELA.WRI.3:2.5:4 ELA.LAN.1:1:3"),
        ("Math 7 (online)", "7-7", 0, "math", "MATH.NUM.1:2:3 MATH.NUM.2:1.5:3"),
        ("Earth & Space Science 6-8 (online)", "6-8", 0, "science;outdoors",
         "SCI.ESS.1:2:3 SCI.INQ.2:1:3"),
    ],
    "PR-OPEN": [
        ("Intro to Graphic Design", "8-12", 49, "design;art",
         "CTE.DES.1:2.5:3 ART.VIS.1:1:3 DIG.MED.1:1:3"),
        ("Music Theory Fundamentals", "6-12", 29, "music", "ART.MUS.2:2:3 ART.MUS.1:1:3"),
        ("Medical Terminology for Teens", "9-12", 39, "health care",
         "CTE.HLT.2:3:3 ELA.LAN.1:0.5:3"),
        ("Intro to Entrepreneurship", "9-12", 29, "business",
         "CTE.BUS.1:2.5:3 MATH.FIN.1:1:3"),
        ("Photography Basics", "7-12", 35, "art;media", "DIG.MED.1:2.5:3 ART.VIS.1:1:3"),
        ("Study Skills & Self-Management", "6-12", 0, "writing",
         "ESS.SDL.1:3:3 DIG.INF.1:1:3"),
        ("Introduction to Psychology for Teens", "9-12", 35, "health care;science",
         "SCI.INQ.2:1:3 ELA.RDI.1:1.5:3"),
        ("Veterinary Science Online", "7-12", 45, "animals;science",
         "CTE.AGR.2:2:3 SCI.LIF.1:1.5:3"),
    ],
    "PR-CODE": [
        ("Python for Beginners", "7-12", 0, "coding", "DIG.CS.1:3:3 ESS.CRT.1:1:3"),
        ("Web Design with HTML & CSS", "7-12", 0, "coding;design",
         "DIG.CS.3:3:3 CTE.DES.1:1:3"),
        ("Game Design with Scratch", "6-8", 0, "coding;art", "DIG.CS.1:2.5:3 ESS.CRE.1:1.5:3"),
        ("Cybersecurity Basics", "8-12", 0, "coding", "DIG.SAF.1:3:4 DIG.CS.1:1:3"),
        ("Data Science with Spreadsheets", "8-12", 0, "coding;math",
         "DIG.DAT.1:3:4 MATH.STA.1:1.5:3"),
    ],
}.items():
    for title, grades, cost, tags, al in items:
        secs = [f"{t} self {int(RNG.integers(3, 6))}" for t in ("fall", "spring", "year")]
        add(pid, title, "online_course", grades, cost, tags, al, mod="online_self_paced",
            sec=secs)
add("PR-CODE", "Live Coding Club", "online_course", "8-12", 0, "coding;robotics",
    "DIG.CS.1:3:4:1 ESS.COL.1:1:3", mod="online_live",
    sec=["fall Wed 19:00-20:00", "spring Wed 19:00-20:00"])
add("PR-RVA", "Virtual Writing Tutor Sessions", "mentorship", "6-12", 0, "writing",
    "ELA.WRI.1:2:3 ELA.WRI.2:1.5:3", mod="online_live", mentor="Certified English teacher",
    sec=["year Mon;Thu 19:00-20:00", "year Sat 10:00-11:00"])
add("PR-OPEN", "Live Drawing Workshop", "online_course", "6-12", 20, "art",
    "ART.VIS.1:3:3 ART.VIS.2:1:3", mod="online_live",
    sec=["oct Tue 19:00-20:30", "feb Tue 19:00-20:30"])

# Libraries: free programmes, broadband on site
LIB_PROGRAMS = {
    "robot": ("Teen Robotics Club", "program", "6-12", "robotics;engineering;coding",
              "DIG.CS.2:3:3 SCI.ENG.1:2:3 ESS.COL.1:1:3"),
    "code": ("Code Club", "program", "6-12", "coding;design", "DIG.CS.1:3:3 DIG.CS.3:1:3"),
    "write": ("Teen Writers' Workshop", "program", "7-12", "writing",
              "ELA.WRI.3:3:4 ELA.LIS.1:1:3 ESS.CRE.1:1:3"),
    "hw": ("Homework Help Center", "program", "6-12", "math;writing;science",
           "ESS.SDL.1:1.5:3 MATH.NUM.2:0.5:3 ELA.RDI.1:0.5:3"),
    "pod": ("Digital Media Lab: Podcasting", "program", "8-12", "media;music",
            "DIG.MED.1:3:3 CTE.MED.1:1.5:3 ELA.SPK.1:1:3"),
    "tab": ("Teen Advisory Board", "volunteer", "7-12", "public service",
            "ESS.LEAD.1:2:3 ESS.CIT.1:1.5:3"),
    "esl": ("English Conversation Circle", "program", "6-12", "languages",
            "ELA.LIS.1:2:3 ELA.SPK.1:2:3"),
    "comic": ("Comic & Anime Drawing Club", "program", "6-12", "art;writing",
              "ART.VIS.2:3:3 ART.VIS.1:1:3"),
    "chess": ("Chess Club", "program", "6-12", "math", "ESS.CRT.1:2:3"),
    "sci": ("Citizen Science Saturdays", "project", "6-12", "science;environment",
            "SCI.INQ.2:2.5:3 SCI.INQ.1:1.5:3 DIG.DAT.1:1:3"),
    "music": ("Open Mic & Music Jam", "program", "8-12", "music",
              "ART.MUS.1:2.5:3 ELA.SPK.1:0.5:3"),
}
LIB_SLOTS = ["Mon 15:30-17:00", "Tue 15:30-17:30", "Wed 15:30-17:30", "Thu 15:30-17:30",
             "Thu 16:00-17:30", "Fri 15:30-17:00", "Sat 10:00-12:00", "Sat 13:00-15:00"]
for pid, keys in {
    "PR-LIBC": ["robot", "code", "write", "hw", "pod", "tab", "comic", "chess", "esl", "music"],
    "PR-LIBE": ["robot", "hw", "code", "comic", "tab"],
    "PR-LIBR": ["hw", "esl", "write", "sci", "comic"],
    "PR-LIBM": ["robot", "hw", "write", "chess"],
    "PR-LIBP": ["hw", "sci", "code"],
}.items():
    for key in keys:
        title, kind, grades, tags, al = LIB_PROGRAMS[key]
        slot = LIB_SLOTS[int(RNG.integers(0, len(LIB_SLOTS)))]
        if key == "hw":
            secs = ["year Mon;Tue;Wed;Thu 15:30-18:00"]
        elif key == "sci":
            secs = ["sep Sat 10:00-12:00", "apr Sat 10:00-12:00"]
        else:
            secs = [f"fall {slot}", f"spring {slot}"]
            if key in ("robot", "code", "comic"):  # popular clubs add a short spring session
                secs.append(f"apr {LIB_SLOTS[int(RNG.integers(0, len(LIB_SLOTS)))]}")
        add(pid, title, kind, grades, 0, tags, al, sec=secs)
# Robotics at the Central library is the district's showcase: two fixed slots (used by personas)
OPPS["PR-LIBC"][0] = (*OPPS["PR-LIBC"][0][:6],
                      {"sec": ["fall Tue;Thu 15:30-17:30", "spring Tue;Thu 15:30-17:30",
                               "win Sat 10:00-12:00"]})
add("PR-LIBP", "Tech Help & Device Lending Hour", "program", "6-12", 0, "coding",
    "DIG.SAF.1:2:3 DIG.INF.1:2:3", sec=["year Sat 10:00-12:00"],
    desc="Borrow a laptop and hotspot; get help with online classes.")

# Museums
for pid, items in {
    "PR-SCI": [
        ("Teen Science Explainers", "volunteer", "9-12", 0, "science;public service",
         "ESS.COM.1:2.5:3 SCI.PHY.1:1:3 ELA.SPK.1:1.5:3", ["year Sat 10:00-14:00"]),
        ("Saturday Science Labs", "program", "6-9", 60, "science",
         "SCI.INQ.1:3:3 SCI.CHM.1:1.5:3 SCI.INQ.2:1:3",
         ["oct Sat 09:30-12:00", "feb Sat 09:30-12:00", "apr Sat 09:30-12:00"]),
        ("Astronomy Night Club", "program", "7-12", 15, "science;outdoors",
         "SCI.ESS.1:2:3 SCI.PHY.1:1:3", ["win Fri 19:00-21:00"]),
        ("Girls Who Engineer", "program", "6-10", 0, "engineering;robotics",
         "SCI.ENG.1:3:3 ESS.COL.1:1.5:3", ["fall Wed 16:00-18:00", "spring Wed 16:00-18:00"]),
    ],
    "PR-ART": [
        ("Teen Studio Saturdays", "program", "7-12", 120, "art;design",
         "ART.VIS.1:3.5:4 ART.CRI.1:1.5:4 ESS.CRE.1:1:3",
         ["fall Sat 10:00-12:30", "spring Sat 10:00-12:30"]),
        ("Gallery Talks: Art History for Teens", "program", "8-12", 0, "art;history",
         "ART.CRI.1:3:4 SOC.HIS.2:1:3", ["oct Thu 16:00-17:30", "apr Thu 16:00-17:30"]),
        ("Teen Docent Program", "volunteer", "9-12", 0, "art;public service",
         "ELA.SPK.1:2.5:4 ART.CRI.1:2:4 ESS.PRO.1:1:3", ["year Sun 13:00-16:00"]),
        ("Free Family Sketch Nights", "program", "6-12", 0, "art",
         "ART.VIS.1:2:3", ["year Thu 18:00-19:30"]),
    ],
    "PR-HIST": [
        ("Oral History Corps", "project", "8-12", 0, "history;media;writing",
         "SOC.INQ.1:3:4 SOC.HIS.3:2.5:4 ELA.LIS.1:1.5:3 CTE.MED.1:1:3",
         ["fall Tue 13:00-15:30", "spring Tue 13:00-15:30"]),
        ("History Detectives: Working with Primary Sources", "program", "6-9", 20, "history",
         "SOC.INQ.1:3:3 ELA.RDI.1:1.5:3", ["sep Wed 10:00-12:00", "win Wed 10:00-12:00"]),
        ("Junior Curator Internship", "internship", "10-12", 0, "history;design;writing",
         "SOC.HIS.3:2.5:4 ELA.WRI.2:2:4 CTE.DES.1:1:3 ESS.PRO.1:1:3",
         ["spring Mon;Wed 15:30-17:30"]),
    ],
}.items():
    for title, kind, grades, cost, tags, al, secs in items:
        extra = {"mentor": "Museum curator"} if kind == "internship" else {}
        add(pid, title, kind, grades, cost, tags, al, sec=secs, **extra)

# Place-based projects
for pid, items in {
    "PR-WATER": [
        ("Stream Monitoring Team", "project", "7-12", 0, "environment;science;outdoors",
         "SCI.INQ.2:3:4 SCI.LIF.2:2:4 SCI.ESS.1:1.5:3 DIG.DAT.1:1:3",
         ["sep Sat 09:00-12:00", "apr Sat 09:00-12:00", "oct Wed 15:30-17:30"]),
        ("River Cleanup Crew", "volunteer", "6-12", 0, "environment;outdoors",
         "ESS.CIT.1:3:3 SCI.LIF.2:1:3", ["sep Sat 13:00-16:00", "apr Sat 13:00-16:00"]),
        ("Watershed Mapping with GIS", "project", "9-12", 0, "environment;coding;design",
         "SOC.GEO.1:3:4 DIG.DAT.1:2:4 SCI.ESS.1:1:3", ["win Tue;Thu 16:00-17:30"]),
    ],
    "PR-BEAR": [
        ("Junior Naturalist Program", "program", "6-9", 20, "outdoors;animals;environment",
         "SCI.LIF.2:3:3 SCI.INQ.1:1.5:3", ["sep Sat 09:00-12:00", "apr Sat 09:00-12:00"]),
        ("Trail Building Crew", "volunteer", "8-12", 0, "outdoors;construction",
         "CTE.CON.1:1.5:2 ESS.COL.1:2:3 CTE.SAF.1:1:3", ["may Sat 08:00-12:00"]),
        ("Bird Banding Citizen Science", "project", "7-12", 0, "animals;science;outdoors",
         "SCI.INQ.2:2.5:3 SCI.LIF.2:2:3", ["oct Sun 07:00-10:00", "apr Sun 07:00-10:00"]),
    ],
    "PR-PHFARM": [
        ("Farm-to-Table Project", "project", "6-10", 0, "agriculture;cooking;business",
         "CTE.AGR.1:3:3 CTE.CUL.1:1.5:3 MATH.NUM.1:1:3 ESS.COL.1:1:3",
         ["fall Wed 15:30-17:30", "spring Wed 15:30-17:30"]),
        ("Seed Saving & Soil Study", "project", "6-12", 0, "agriculture;science;environment",
         "CTE.AGR.1:2.5:3 SCI.INQ.1:2:3 SCI.ESS.1:1:3", ["sep Sat 09:00-11:00",
                                                         "apr Sat 09:00-11:00"]),
        ("Community Garden Volunteers", "volunteer", "6-12", 0, "agriculture;outdoors",
         "ESS.CIT.1:2:3 CTE.AGR.1:1:3", ["may Mon;Thu 16:00-18:00"]),
        ("Pine Hollow Chickens & Goats Project", "project", "6-12", 0, "animals;agriculture",
         "CTE.AGR.2:3:3 ESS.SDL.1:1.5:3 MATH.NUM.1:0.5:3", ["year Tue 15:30-17:00"]),
    ],
    "PR-MILL": [
        ("Historic Building Survey", "project", "8-12", 0, "history;design;construction",
         "SOC.HIS.3:3:4 SOC.INQ.1:2:4 MATH.GEO.1:1:3", ["oct Sat 10:00-13:00",
                                                        "apr Sat 10:00-13:00"]),
        ("Old Mill Walking Tour Guides", "volunteer", "9-12", 0, "history;public service",
         "ELA.SPK.1:2.5:4 SOC.HIS.3:2:4", ["may Sun 13:00-16:00"]),
    ],
    "PR-SWCD": [
        ("Soil Health Field Study", "project", "7-12", 0, "agriculture;science;environment",
         "CTE.AGR.1:3:3 SCI.INQ.2:2:3 SCI.ESS.1:1.5:3", ["sep Thu 15:30-18:00",
                                                         "apr Thu 15:30-18:00"]),
        ("Pollinator Habitat Project", "project", "6-12", 0, "environment;agriculture;animals",
         "SCI.LIF.2:2.5:3 ESS.CIT.1:1.5:3", ["may Sat 09:00-12:00", "spring tba"]),
    ],
}.items():
    for title, kind, grades, cost, tags, al, secs in items:
        add(pid, title, kind, grades, cost, tags, al, sec=secs)

# A few opportunities are full right now (0 seats): families meet this in real life.
FULL = {("PR-RCTC", "Welding Technology I"), ("PR-ART", "Teen Studio Saturdays"),
        ("PR-BYTE", "Software Engineering Internship"), ("PR-YMCA", "Lifeguard Certification"),
        ("PR-MAKE", "Electronics & Arduino")}


def _weekly_seats(kind: str, rng: np.random.Generator) -> int:
    base = {"course": (18, 32), "cte_pathway": (12, 22), "dual_enrollment": (8, 25),
            "internship": (1, 5), "apprenticeship": (1, 4), "mentorship": (2, 8),
            "online_course": (40, 200), "project": (8, 20), "program": (10, 30),
            "volunteer": (6, 25)}[kind]
    return int(rng.integers(base[0], base[1] + 1))


def build_catalogue() -> tuple[dict[str, pd.DataFrame], dict[tuple[str, str], list[str]]]:
    """All seven frames, plus a lookup (provider_id, title) -> section ids for the personas."""
    rng = np.random.default_rng(7)  # its own generator: calling this twice gives equal frames
    competencies = pd.DataFrame(
        [(cid, DOMAIN_OF[cid.split(".")[0]], name, desc, "", "", diff)
         for cid, name, desc, diff in COMPETENCIES],
        columns=["competency_id", "domain", "name", "description", "parent_id", "source_uri",
                 "difficulty"])
    counts = competencies["domain"].value_counts()
    requirements = pd.DataFrame(
        [(rid, f"{dom}: {n} competencies at Proficient", dom, n, 3) for rid, dom, n in
         REQUIREMENTS],
        columns=["requirement_id", "name", "domain", "min_competencies", "level"])
    assert all(counts[d] >= n for _, d, n in REQUIREMENTS)

    prov_rows = []
    for pid, name, kind, zone, address, bb, lends in PROVIDERS:
        if zone == "online":
            lat = lon = float("nan")
        else:
            x, y = ZONE_XY[zone]
            lat = round(41.50 + (y + float(rng.normal(0, 0.5))) * 0.009, 5)
            lon = round(-90.60 + (x + float(rng.normal(0, 0.5))) * 0.012, 5)
        prov_rows.append((pid, name, kind, zone, address, lat, lon, bb, lends))
    providers = pd.DataFrame(prov_rows, columns=[
        "provider_id", "name", "kind", "zone", "address", "lat", "lon", "offers_broadband",
        "lends_devices"])
    prov_zone = dict(zip(providers["provider_id"], providers["zone"], strict=True))

    opp_rows, sec_rows, align_rows = [], [], []
    lookup: dict[tuple[str, str], list[str]] = {}
    for pid, _, _, _, _, _, _ in PROVIDERS:
        for title, kind, grades, cost, tags, aligns, extras in OPPS.get(pid, []):
            oid = f"O-{len(opp_rows) + 1:04d}"
            g0, g1 = (int(g) for g in grades.split("-"))
            mod = extras.get("mod", "online_self_paced" if kind == "online_course"
                             else "in_person")
            online = mod != "in_person"
            seats = 0 if (pid, title) in FULL else _weekly_seats(kind, rng)
            opp_rows.append((
                oid, pid, title, kind, mod, g0, g1, float(cost), seats, online, online, tags,
                extras.get("mentor", ""), extras.get("desc", ""), bool(extras.get("car", False)),
                float(extras.get("credit", 0.0))))
            for a in aligns.split():
                parts = a.split(":")
                align_rows.append((oid, parts[0], float(parts[1]), int(parts[2]),
                                   int(parts[3]) if len(parts) > 3 else 0))
            ids = []
            for spec in extras.get("sec", []):
                sid = f"S-{len(sec_rows) + 1:04d}"
                sec_rows.append(_section(sid, oid, spec, prov_zone[pid]))
                ids.append(sid)
            lookup[(pid, title)] = ids
    opportunities = pd.DataFrame(opp_rows, columns=[
        "opportunity_id", "provider_id", "title", "kind", "modality", "min_grade", "max_grade",
        "cost", "seats", "requires_broadband", "requires_device", "interests", "mentor_role",
        "description", "requires_car", "credit_hours"])
    sections = pd.DataFrame(sec_rows, columns=[
        "section_id", "opportunity_id", "start_date", "end_date", "days", "start_time",
        "end_time", "zone", "self_paced_hours", "seats", "times_tba"])
    alignments = pd.DataFrame(align_rows, columns=[
        "opportunity_id", "competency_id", "intensity", "max_level", "min_level"])

    zones = [z for z, *_ in ZONES]
    xy = np.array([[x, y] for _, x, y, _ in ZONES], dtype=float)
    travel = travel_times_for(zones, xy, no_transit=[z for z, *_, t in ZONES if not t],
                              max_walk_minutes=75)
    frames = {
        "competencies": competencies, "requirements": requirements, "providers": providers,
        "opportunities": opportunities, "sections": sections, "alignments": alignments,
        "travel_times": travel,
    }
    return frames, lookup


def _section(sid: str, oid: str, spec: str, home_zone: str) -> tuple:
    """One sections.csv row from a spec like ``"fall Tue;Thu 15:30-17:30 +2 @Riverside #0"``."""
    tokens = spec.split()
    start, end = SESSIONS[tokens[0]]
    days = t0 = t1 = zone = ""
    self_paced, seats, tba = 0.0, None, False
    rest = tokens[1:]
    if rest[0] == "self":
        self_paced = float(rest[1])
        rest = rest[2:]
    elif rest[0] == "tba":
        tba = True
        rest = rest[1:]
    else:
        days, times = rest[0], rest[1]
        t0, t1 = times.split("-")
        rest = rest[2:]
    for tok in rest:
        if tok.startswith("+"):
            self_paced = float(tok[1:])
        elif tok.startswith("#"):
            seats = int(tok[1:])
    # zone names may contain spaces ("@Bear Creek"): everything after @ is the zone
    if "@" in spec:
        zone = spec.split("@", 1)[1].split("#")[0].strip()
        if zone == home_zone:
            zone = ""
    return (sid, oid, start, end, days, t0, t1, zone, self_paced, seats, tba)


# --------------------------------------------------------------------------------------------
# Personas


def _blocks(*specs: str) -> list[TimeBlock]:
    """``"Mon;Tue 15:00-20:00"`` or ``"Sat 09:00-13:00 Works at the bakery"`` -> TimeBlocks."""
    out = []
    for spec in specs:
        days, times, *label = spec.split(" ", 2)
        t0, t1 = times.split("-")
        out.append(TimeBlock.from_dict({"days": days, "start": t0, "end": t1,
                                        "label": label[0] if label else ""}))
    return out


def _levels(text: str) -> dict[str, int]:
    return {k: int(v) for k, v in (p.split("=") for p in text.split())}


def _goals(*specs: str) -> list[Goal]:
    return [Goal.from_dict(dict(zip(("competency_id", "level", "by"), s.split(), strict=True)))
            for s in specs]


def build_personas(lookup) -> tuple[list[Learner], list[Plan]]:
    """Six learners in different situations, with plans that use real sections of the catalogue.

    Plans marked PROBLEM contain a real issue the feasibility check should find.
    """
    def s(pid: str, title: str, i: int = 0) -> str:
        return lookup[(pid, title)][i]

    maya = Learner(
        learner_id="L-maya", name="Maya R.", grade=11, home_zone="Eastside",
        transport=["walk", "transit"], max_travel_minutes=45, home_broadband=True,
        device="own", budget=300, max_hours_per_week=24,
        availability=_blocks("Mon;Tue;Wed;Thu;Fri 08:00-11:00",
                             "Mon;Tue;Wed;Thu;Fri 15:00-20:30", "Sat 08:00-16:00"),
        commitments=_blocks("Fri 17:00-20:30 Watches her younger brothers"),
        interests=["robotics", "manufacturing", "engineering", "construction"],
        strengths=["hands-on building", "persistent", "good with numbers"],
        levels=_levels(
            "CTE.MFG.1=2 CTE.MFG.2=2 CTE.SAF.1=3 CTE.MFG.3=1 CTE.CON.1=1 CTE.ELE.1=1 "
            "MATH.ALG.1=3 MATH.ALG.2=2 MATH.ALG.3=1 MATH.GEO.1=2 MATH.GEO.3=1 MATH.STA.1=2 "
            "ELA.RDI.1=2 ELA.WRI.1=2 ELA.WRI.2=2 ELA.SPK.1=1 SCI.PHY.1=2 SCI.PHY.2=1 "
            "SCI.ENG.1=2 SCI.INQ.1=2 SOC.HIS.1=2 SOC.CIV.2=1 ESS.COL.1=3 ESS.PRO.1=2 "
            "ESS.SDL.1=2 DIG.CS.2=2 DIG.CS.1=1"),
        goals=_goals("CTE.MFG.1 3 2027-01-22", "CTE.MFG.2 3 2027-06-11",
                     "MATH.GEO.3 2 2027-06-01", "ESS.PRO.1 3 2027-06-11"),
        pathway="Advanced manufacturing (welding)",
        supportive_adults=["Aunt Rosa (welder at Keller Metal Works)",
                           "Mr. Okafor (CTE welding instructor)"],
        evidence=[Evidence("CTE.SAF.1", 3, "OSHA 10-Hour General Industry card",
                           "2026-05-14", True, "Earned at the CTE centre in grade 10"),
                  Evidence("CTE.MFG.1", 2, "Welding Technology I skills checklist",
                           "2026-06-05", True, "")],
        notes="Wants a paid apprenticeship by senior year. Takes the #7 bus; no car.",
    )
    maya_plans = [
        Plan("P-maya-a", "L-maya", "Plan A: CTE welding + library robotics",
             [s("PR-RCTC", "Welding Technology II (AWS certification track)"),
              s("PR-LIBC", "Teen Robotics Club"),
              s("PR-RCTC", "OSHA 10 Safety Certification", 1)]),
        Plan("P-maya-b", "L-maya", "Plan B: Welding II + paid apprenticeship at Keller",
             [s("PR-RCTC", "Welding Technology II (AWS certification track)"),
              s("PR-KELLER", "Youth Registered Welding Apprenticeship")]),
        # PROBLEM: Harlan Flats has no bus, and Maya has no car
        Plan("P-maya-c", "L-maya", "Plan C: Ag mechanics at Harlan Valley + makerspace",
             [s("PR-HVAT", "Agricultural Mechanics & Welding"),
              s("PR-MAKE", "Intro to 3D Printing & CAD", 1)]),
    ]

    lucia = Learner(
        learner_id="L-lucia", name="Lucía M.", grade=7, home_zone="Pine Hollow",
        transport=["walk", "car"], max_travel_minutes=30, home_broadband=False,
        device="phone", budget=60, max_hours_per_week=8,
        availability=_blocks("Mon;Tue;Wed;Thu;Fri 15:30-19:30", "Sat 08:30-13:00"),
        commitments=_blocks("Sat 13:00-17:00 Helps at the family farm stand",
                            "Thu 16:00-18:00 Picks up her little brother"),
        interests=["agriculture", "animals", "outdoors", "environment", "cooking"],
        strengths=["speaks two languages", "good with animals", "patient with younger kids"],
        levels=_levels(
            "MATH.NUM.1=2 MATH.NUM.2=1 MATH.ALG.1=1 MATH.GEO.1=1 MATH.STA.1=1 "
            "ELA.RDL.1=2 ELA.RDI.1=1 ELA.WRI.2=1 ELA.WRI.3=2 ELA.SPK.1=1 ELA.LAN.1=1 "
            "SCI.LIF.2=2 SCI.LIF.1=1 SCI.ESS.1=2 SCI.INQ.1=1 SCI.INQ.2=1 "
            "SOC.HIS.3=1 SOC.GEO.1=2 CTE.AGR.1=2 CTE.AGR.2=2 CTE.CUL.1=1 "
            "ESS.COL.1=2 ESS.SDL.1=1 ESS.COM.1=2 DIG.INF.1=1"),
        goals=_goals("SCI.LIF.2 3 2027-06-01", "CTE.AGR.2 3 2027-05-15",
                     "MATH.NUM.2 2 2027-03-01"),
        language="es", pathway="Agriculture & natural resources",
        supportive_adults=["Mamá (Elena)", "Tío Marco (drives to town on Saturdays)",
                           "Ms. Hart (Pine Hollow science teacher)"],
        notes="Family prefers Spanish for meetings. No internet at home; uses mom's phone. "
              "The library lends hotspots.",
    )
    lucia_plans = [
        Plan("P-lucia-a", "L-lucia", "Plan A: Farm-to-table + chickens & goats + library",
             [s("PR-PHFARM", "Farm-to-Table Project"),
              s("PR-PHFARM", "Pine Hollow Chickens & Goats Project"),
              s("PR-LIBP", "Citizen Science Saturdays")]),
        Plan("P-lucia-b", "L-lucia", "Plan B: 4-H livestock + seed study",
             [s("PR-4H", "4-H Livestock Club", 1),
              s("PR-PHFARM", "Seed Saving & Soil Study", 1),
              s("PR-PHFARM", "Farm-to-Table Project", 1)]),
        # PROBLEM: online own-pace course needs home internet and a computer
        Plan("P-lucia-c", "L-lucia", "Plan C: Online vet science + farm project",
             [s("PR-OPEN", "Veterinary Science Online"),
              s("PR-PHFARM", "Farm-to-Table Project")]),
    ]

    grace = Learner(
        learner_id="L-grace", name="Grace W.", grade=9, home_zone="Riverside",
        transport=["walk", "bike", "transit"], max_travel_minutes=35, home_broadband=True,
        device="own", budget=400, max_hours_per_week=26,
        availability=_blocks("Mon;Tue;Wed;Thu;Fri 08:30-16:30", "Tue;Thu 18:00-20:00",
                             "Sat 09:00-14:00"),
        commitments=_blocks("Fri 13:00-16:30 Co-op afternoon with other home-school families"),
        interests=["writing", "science", "history", "design"],
        strengths=["strong reader", "curious", "organised"],
        levels=_levels(
            "MATH.NUM.1=3 MATH.NUM.2=3 MATH.ALG.1=2 MATH.ALG.2=1 MATH.GEO.1=2 MATH.STA.1=2 "
            "ELA.RDL.1=3 ELA.RDI.1=3 ELA.WRI.1=2 ELA.WRI.2=3 ELA.WRI.3=3 ELA.RES.1=2 "
            "ELA.LAN.1=3 ELA.SPK.1=2 SCI.INQ.1=2 SCI.LIF.1=2 SCI.LIF.2=2 SCI.ESS.1=2 "
            "SOC.HIS.2=2 SOC.HIS.3=2 SOC.INQ.1=2 ESS.SDL.1=3 ESS.CRE.1=3 DIG.INF.1=2 "
            "DIG.MED.1=1 ART.VIS.1=2"),
        goals=_goals("MATH.ALG.1 3 2027-01-22", "SCI.LIF.1 3 2027-06-11",
                     "ELA.WRI.1 3 2027-06-11"),
        pathway="Exploring: science writing and museums",
        supportive_adults=["Dad (Tom, teaches her at home)", "Ms. Lin (Open Campus advisor)"],
        notes="Home-school hybrid: two days a week at Open Campus, the rest at her own pace.",
    )
    grace_plans = [
        Plan("P-grace-a", "L-grace", "Plan A: Open Campus studios + online biology",
             [s("PR-ROC", "Math Studio (competency-based)"),
              s("PR-ROC", "Writing Studio"),
              s("PR-RVA", "Biology (online)", 2),
              s("PR-SCI", "Saturday Science Labs")]),
        Plan("P-grace-b", "L-grace", "Plan B: All online at her own pace + museum history",
             [s("PR-RVA", "Algebra I (online)", 2),
              s("PR-RVA", "English 9 (online)", 2),
              s("PR-RVA", "Biology (online)", 2),
              s("PR-HIST", "Oral History Corps")]),
    ]

    dante = Learner(
        learner_id="L-dante", name="Dante A.", grade=12, home_zone="Maple Grove",
        transport=["walk", "car"], max_travel_minutes=40, home_broadband=True, device="own",
        budget=500, max_hours_per_week=18,
        availability=_blocks("Mon;Tue;Wed;Thu;Fri 15:00-21:30", "Sat 14:00-18:00"),
        commitments=_blocks("Sat 08:00-14:00 Works at Maple Grove Hardware"),
        interests=["business", "coding", "math"],
        strengths=["good with numbers", "leads groups", "persistent"],
        levels=_levels(
            "MATH.ALG.1=4 MATH.ALG.2=3 MATH.ALG.3=3 MATH.ALG.4=2 MATH.GEO.1=3 MATH.GEO.2=3 "
            "MATH.GEO.3=2 MATH.STA.1=3 MATH.STA.2=2 MATH.FIN.1=2 MATH.MOD.1=2 "
            "ELA.RDI.1=3 ELA.RDL.1=3 ELA.WRI.1=2 ELA.WRI.2=3 ELA.RES.1=2 ELA.SPK.1=3 "
            "SCI.CHM.1=2 SCI.PHY.1=2 SOC.HIS.1=3 SOC.CIV.2=3 SOC.ECO.1=2 "
            "CTE.BUS.1=2 ESS.LEAD.1=3 ESS.SDL.1=2 DIG.CS.1=2 DIG.DAT.1=3 DIG.CS.3=1"),
        goals=_goals("ELA.WRI.1 3 2027-01-22", "MATH.ALG.4 3 2027-05-14",
                     "SOC.ECO.1 3 2027-06-01", "DIG.CS.1 3 2027-06-01"),
        pathway="Business & computer science (transfer degree)",
        supportive_adults=["Mom (Carmen)", "Mr. Boateng (school counsellor)"],
        notes="First in his family to go to college; wants 12+ college credits before "
              "graduation.",
    )
    dante_plans = [
        Plan("P-dante-a", "L-dante", "Plan A: Dual enrollment - ENG 101 + MAT 121 at Maple Grove",
             [s("PR-RCCM", "ENG 101 College Composition I", 0),
              s("PR-RCCM", "MAT 121 College Algebra", 0),
              s("PR-RCCM", "ECO 201 Principles of Macroeconomics")]),
        # PROBLEM: MAT 121 and CSC 120 both meet Tue/Thu 6:00-8:45 pm; too many hours a week
        Plan("P-dante-b", "L-dante", "Plan B: Three college classes + online Python",
             [s("PR-RCCM", "ENG 101 College Composition I", 0),
              s("PR-RCCM", "MAT 121 College Algebra", 0),
              s("PR-RCCM", "CSC 120 Web Development I", 0),
              s("PR-CODE", "Python for Beginners", 0)]),
        Plan("P-dante-c", "L-dante", "Plan C: Accounting + bank internship",
             [s("PR-RCCM", "BUS 110 Principles of Accounting I", 0),
              s("PR-RCU", "Teen Bank Teller Internship", 0),
              s("PR-CODE", "Data Science with Spreadsheets", 0)]),
    ]

    amara = Learner(
        learner_id="L-amara", name="Amara O.", grade=10, home_zone="Northgate",
        transport=["walk", "transit"], max_travel_minutes=40, home_broadband=True,
        device="shared", budget=150, max_hours_per_week=12,
        availability=_blocks("Mon;Tue;Wed;Thu;Fri 15:00-19:30", "Sat 08:00-17:00"),
        commitments=_blocks("Sat 09:00-14:00 Job at Northgate Pharmacy"),
        interests=["health care", "science", "animals"],
        strengths=["kind to others", "good listener", "organised"],
        levels=_levels(
            "SCI.LIF.1=2 SCI.LIF.2=2 SCI.LIF.3=1 SCI.CHM.1=1 SCI.INQ.1=2 SCI.INQ.2=2 "
            "MATH.ALG.1=2 MATH.ALG.2=2 MATH.GEO.1=2 MATH.STA.1=2 MATH.NUM.1=3 "
            "ELA.RDI.1=2 ELA.WRI.1=2 ELA.WRI.2=2 ELA.SPK.1=2 ELA.LIS.1=3 "
            "CTE.HLT.1=1 CTE.HLT.2=1 CTE.SAF.1=1 ESS.COM.1=3 ESS.PRO.1=2 ESS.COL.1=2 "
            "ESS.CIT.1=2 DIG.INF.1=2"),
        goals=_goals("CTE.HLT.1 3 2027-06-01", "CTE.HLT.2 3 2027-04-30",
                     "SCI.LIF.1 3 2027-06-11"),
        pathway="Health science (wants to become a nurse)",
        supportive_adults=["Mom (Adaeze, medical assistant)", "Ms. Patel (school nurse)"],
        notes="Shares the family laptop with two siblings. Keeps her Saturday pharmacy job.",
    )
    amara_plans = [
        Plan("P-amara-a", "L-amara", "Plan A: Hospital internship + online medical terminology",
             [s("PR-MERCY", "Health Careers Internship", 0),
              s("PR-OPEN", "Medical Terminology for Teens", 0)]),
        # PROBLEM: Saturday first-aid class and hospital volunteering clash with her job
        Plan("P-amara-b", "L-amara", "Plan B: Internship + Saturday first aid & volunteering",
             [s("PR-MERCY", "Health Careers Internship", 0),
              s("PR-YMCA", "American Red Cross First Aid & CPR", 0),
              s("PR-MERCY", "Hospital Volunteer Program", 0)]),
        # PROBLEM: Maple Grove is an hour away by bus
        Plan("P-amara-c", "L-amara", "Plan C: Vet internship + dental office",
             [s("PR-RAH", "Veterinary Assistant Internship", 0),
              s("PR-MGD", "Dental Office Internship", 1)]),
    ]

    theo = Learner(
        learner_id="L-theo", name="Theo N.", grade=8, home_zone="Westside",
        transport=["walk", "bike"], max_travel_minutes=30, home_broadband=True,
        device="shared", budget=50, max_hours_per_week=8,
        availability=_blocks("Mon;Tue;Wed;Thu;Fri 15:00-18:30", "Sat 10:00-16:00"),
        commitments=_blocks("Wed 17:00-18:30 Dinner with grandma"),
        interests=["art", "music", "design", "media"],
        strengths=["creative", "patient", "good listener"],
        levels=_levels(
            "ART.VIS.1=2 ART.VIS.2=2 ART.MUS.1=2 ART.MUS.2=1 ART.CRI.1=1 ART.THE.1=0 "
            "ELA.RDL.1=2 ELA.WRI.3=2 ELA.RDI.1=2 ELA.LAN.1=2 MATH.NUM.1=2 MATH.NUM.2=2 "
            "MATH.ALG.1=1 SCI.PHY.1=1 SCI.INQ.1=2 SOC.HIS.1=1 ESS.CRE.1=3 ESS.COL.1=2 "
            "DIG.MED.1=1 CTE.DES.1=1"),
        goals=_goals("ART.VIS.1 3 2027-06-01", "ART.MUS.1 3 2027-06-01",
                     "ART.MUS.2 2 2027-04-30"),
        pathway="Arts, A/V technology & communication",
        supportive_adults=["Dad (Minh)", "Mrs. Alvarez (band director)"],
        notes="Family budget is tight: free or nearly free options first. Bikes everywhere.",
    )
    theo_plans = [
        Plan("P-theo-a", "L-theo", "Plan A: School jazz band + comics clubs (free)",
             [s("PR-WMS", "After-School Jazz Band"),
              s("PR-LIBC", "Comic & Anime Drawing Club", 0),
              s("PR-WMS", "Comics & Zine Club", 0)]),
        # PROBLEM: $120 + $60 is over a $50 budget (and the museum studio is full)
        Plan("P-theo-b", "L-theo", "Plan B: Museum teen studio + music production lab",
             [s("PR-ART", "Teen Studio Saturdays", 0),
              s("PR-NYAC", "Teen Music Production Lab", 0)]),
    ]
    learners = [maya, lucia, grace, dante, amara, theo]
    plans = maya_plans + lucia_plans + grace_plans + dante_plans + amara_plans + theo_plans
    return learners, plans


def build(out: Path) -> Path:
    """Write the whole sample data directory to ``out`` (replacing learners/ and plans/)."""
    frames, lookup = build_catalogue()
    learners, plans = build_personas(lookup)
    for sub in ("learners", "plans"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    return write_data_dir(out, frames, learners, plans)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "workbench" / "data" / "sample"
    print(f"wrote {build(target)}")
