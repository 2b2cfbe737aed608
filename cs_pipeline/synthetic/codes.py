"""The codes the generator draws from (a subset of the DfE / SSD code lists in ../shared/reference/derived/).

Only codes used here are listed; the pipeline's own code lists live in ``cs_pipeline/reference``. Values deliberately
outside these lists (``INVALID_CODES``) are written only as injected ``code_not_in_list`` defects.
"""
from __future__ import annotations

# SSDA903 legal status (LS)
LEGAL_STATUS = ("C1", "C2", "E1", "V2", "V3", "V4", "L1", "L2", "J1", "J2")
SHORT_BREAK_LS = ("V3", "V4")

# SSDA903 reason for new episode (RNE)
RNE = ("S", "P", "T", "L", "U", "B")

# SSDA903 reason episode ceased (REC); X1 = episode ceases and a new one begins the same day
REC_ADOPTED = ("E11", "E12")
REC_SGO = ("E45", "E46", "E47", "E48")
REC_HOME = ("E4A", "E4B", "E13", "E41")
REC_ADULT = ("E5", "E6", "E17", "E8", "E7")
REC_OTHER = ("E2", "E3", "E9", "E14", "E15", "E16")
REC_INTERMEDIATE = "X1"
REC = REC_ADOPTED + REC_SGO + REC_HOME + REC_ADULT + REC_OTHER + (REC_INTERMEDIATE,)

# SSDA903 placement types (PLACE)
FOSTER = ("U1", "U2", "U3", "U4", "U5", "U6")
ADOPTION_PLACEMENTS = ("A3", "A4", "A5", "A6")
PLACE = FOSTER + ADOPTION_PLACEMENTS + ("K1", "K2", "H5", "P1", "R1", "R2", "R3", "R5", "S1", "Z1")
PLACE_PROVIDER = ("PR0", "PR1", "PR2", "PR3", "PR4", "PR5")
REASON_PLACE_CHANGE = ("CARPL", "CLOSE", "ALLEG", "STAND", "APPRR", "CREQB", "CREQO", "CHILD", "LAREQ", "PLACE",
                       "OTHER")

# CIN census
PRIMARY_NEED = ("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8")
REFERRAL_SOURCE = {
    "1A": "INDIVIDUAL - family member, relative or carer", "1B": "INDIVIDUAL - acquaintance",
    "1C": "INDIVIDUAL - self", "1D": "INDIVIDUAL - other", "2A": "SCHOOLS", "2B": "EDUCATION SERVICES",
    "3A": "HEALTH SERVICES - general practitioner (GP)", "3B": "HEALTH SERVICES - health visitor",
    "3C": "HEALTH SERVICES - school nurse", "3D": "HEALTH SERVICES - other primary health services",
    "3E": "HEALTH SERVICES - A&E (accident and emergency department)", "3F": "HEALTH SERVICES - other",
    "4": "HOUSING - local authority housing or housing association", "5A": "LA SERVICES - social care",
    "5B": "LA SERVICES - other internal services", "5C": "LA SERVICES - external", "5D": "LA SERVICES - early help",
    "6": "POLICE", "7": "OTHER LEGAL AGENCY", "8": "OTHER", "9": "ANONYMOUS", "10": "UNKNOWN",
}
# national shares of referral sources (approximate, DfE CIN 2025): police, schools, health, LA, individuals
REFERRAL_SOURCE_WEIGHTS = {
    "6": 29, "2A": 20, "3A": 3, "3B": 2, "3C": 1, "3D": 3, "3E": 3, "3F": 2, "5A": 3, "5B": 3, "5C": 3, "5D": 3,
    "1A": 5, "1B": 1, "1C": 1, "1D": 1, "4": 2, "7": 3, "8": 4, "9": 1, "10": 7,
}
REASON_FOR_CLOSURE = ("RC1", "RC2", "RC3", "RC4", "RC5", "RC6", "RC7", "RC8", "RC9")
CP_CATEGORY = {"NEG": 48, "EMO": 38, "PHY": 7, "SAB": 4, "MUL": 3}  # CIN census category of abuse
ASSESSMENT_FACTORS = ("1A", "1B", "1C", "2A", "2B", "2C", "3A", "3B", "3C", "4A", "4B", "4C", "5A", "5B", "5C",
                      "6A", "6B", "6C", "7A", "8B", "9A", "10A", "11A", "12A", "13A", "14A", "15A", "16A",
                      "17A", "18B", "18C", "19B", "19C", "20", "21", "22A", "23A", "24A")
# factors most often recorded nationally get more weight
ASSESSMENT_FACTOR_WEIGHTS = {"3A": 12, "4B": 12, "3B": 10, "16A": 8, "17A": 9, "2B": 5, "1B": 4, "4A": 7,
                             "18C": 3, "5A": 2, "6B": 2, "14A": 2, "24A": 2, "10A": 2, "11A": 1, "15A": 2,
                             "21": 3, "20": 3, "13A": 1, "6A": 1, "5B": 1, "7A": 1}

CONTACT_OUTCOMES = ("No Further Action", "Information and Advice", "EH Referral", "CIN Referral")

# SSD categories
DISABILITY = ("AUT", "BEH", "COMM", "CON", "DDA", "HAND", "HEAR", "INC", "LD", "MOB", "PC", "VIS")
IMMIGRATION_STATUS_UASC = "Unaccompanied Asylum Seeking Child"
IMMIGRATION_LATER = ("Refugee Status", "Discretionary Leave to Remain in the UK to 18 (DLR)",
                     "Indefinite Leave to Remain in the UK (ILR)")
UASC_NATIONALITIES = {"Afghanistan": 22, "Eritrea": 15, "Sudan": 14, "Iran": 10, "Vietnam": 7, "Syria": 6,
                      "Iraq": 5, "Albania": 5, "Ethiopia": 5, "Somalia": 3, "Egypt": 3, "Kuwait": 1,
                      "Chad": 2, "Yemen": 2}
ETHNICITY = {"ABAN": 30, "WBRI": 22, "WOTH": 8, "BAFR": 7, "BCRB": 3, "BOTH": 2, "MWBC": 3, "MWBA": 2,
             "MWAS": 2, "MOTH": 3, "AIND": 2, "APKN": 2, "AOTH": 3, "CHNE": 1, "OOTH": 4, "WIRI": 1,
             "WROM": 1, "REFU": 1, "NOBT": 3}
UPN_UNKNOWN = ("UN1", "UN2", "UN3", "UN4", "UN5")
SDQ_REASON = ("SDQ1", "SDQ2", "SDQ3", "SDQ4", "SDQ5")
MISSING_TYPE = ("M", "A")
PREV_PERM = ("P1", "P2", "P3", "P4", "Z1")
CLA_REVIEW_PARTICIPATION = ("PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7")
CARE_LEAVER_IN_TOUCH = ("YES", "NO", "REFU", "NREQ", "RHOM")
CARE_LEAVER_ACTIVITY = ("F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5", "G4", "G5", "G6")
CARE_LEAVER_ACCOM = ("B", "C", "D", "E", "K", "T", "U", "Z", "S", "X")
ADOPTER_SEX = ("M1", "F1", "MM", "FF", "MF")
ADOPTER_LS = ("L0", "L11", "L12", "L2", "L3", "L4")
SW_CHANGE_REASON = ("MANAGE", "FCONTA", "LEFTRL", "ORGRST", "TSPROC", "ABSENC", "CHCHAN", "PCCHAN", "OTHERS")

HEALTH_CHECK_TYPES = {"IHA": "Initial Health Assessment", "RHA": "Review Health Assessment",
                      "DENTAL": "Dental Check", "SURVEILLANCE": "Health Surveillance Check"}
HEALTH_PROVIDER_CODES = ("RWK", "RQX", "R1H")  # ODS codes of east London community providers

# codes written only by code_not_in_list defects: (table, column) -> a value outside every list
INVALID_CODES = {
    ("ssd_cla_placement", "clap_cla_placement_type"): "U7",
    ("ssd_cla_episodes", "clae_cla_episode_ceased_reason"): "E10",
    ("ssd_legal_status", "lega_legal_status"): "C3",
    ("ssd_cin_episodes", "cine_cin_primary_need_code"): "N10",
    ("ssd_contacts", "cont_contact_source_code"): "11B",
}
