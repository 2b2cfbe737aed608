{#- SSD (and SSDA903 / CIN census) codes as Ofsted's Annex A values (cs_pipeline/reference/returns/annex_a/lists.yaml
    holds the allowed values; the workbook writer refuses anything else). One macro per mapping, shared by every list.
    The mappings follow the LIIA tools' value synonyms (shared reference derived/annex_a_schema_liia_with_value_
    synonyms.json: e.g. 1A-1D -> "a) Individual", RC8 and RC9 -> "h) Child not in need after assessment", E17 -> "e)
    Left care to live with ..."). Codes are matched upper-cased and trimmed; a value the mapping does not know gives
    the list's "not stated"/unknown value where it has one, else null (never a guessed code). -#}

{#- The text of a code: upper case, no surrounding spaces. -#}
{% macro annex_a_code_text(expr) -%}
    upper(trim({{ expr }}))
{%- endmacro %}

{#- Gender (every list): the SSD's pers_sex (M/F/U: the field the SSD maps to Annex A), else pers_gender (1/01 male,
    2/02 female; 09 "prefer to self-describe", I indeterminate -> "d) Neither"); anything else "c) Not stated/recorded". -#}
{% macro annex_a_gender(sex_expr, gender_expr) -%}
    case
        when {{ annex_a_code_text(sex_expr) }} in ('M', 'MALE', '1') then 'a) Male'
        when {{ annex_a_code_text(sex_expr) }} in ('F', 'FEMALE', '2') then 'b) Female'
        when {{ annex_a_code_text(gender_expr) }} in ('1', '01', 'M', 'MALE') then 'a) Male'
        when {{ annex_a_code_text(gender_expr) }} in ('2', '02', 'F', 'FEMALE') then 'b) Female'
        when {{ annex_a_code_text(gender_expr) }} in ('09', '9', 'I', 'NEITHER', 'INDETERMINATE') then 'd) Neither'
        else 'c) Not stated/recorded'
    end
{%- endmacro %}

{#- Ethnicity (every list): DfE's ethnicity codes by main group; REFU, NOBT and anything else "f) Not stated". -#}
{% macro annex_a_ethnicity(expr) -%}
    case
        when {{ annex_a_code_text(expr) }} in ('WBRI', 'WIRI', 'WIRT', 'WOTH', 'WROM') then 'a) White'
        when {{ annex_a_code_text(expr) }} in ('MWBC', 'MWBA', 'MWAS', 'MOTH') then 'b) Mixed'
        when {{ annex_a_code_text(expr) }} in ('AIND', 'APKN', 'ABAN', 'AOTH') then 'c) Asian or Asian British'
        when {{ annex_a_code_text(expr) }} in ('BCRB', 'BAFR', 'BOTH') then 'd) Black or black British'
        when {{ annex_a_code_text(expr) }} in ('CHNE', 'OOTH') then 'e) Other ethnic group'
        else 'f) Not stated'
    end
{%- endmacro %}

{#- Contact source (List 1) and referral source (List 3): the CIN census referral source codes (1A ... 10, as the SSD
    records both); 10 and anything else "k) Unknown". -#}
{% macro annex_a_source(expr) -%}
    case
        when {{ annex_a_code_text(expr) }} in ('1A', '1B', '1C', '1D') then 'a) Individual'
        when {{ annex_a_code_text(expr) }} = '2A' then 'b) Schools'
        when {{ annex_a_code_text(expr) }} = '2B' then 'c) Education Services'
        when {{ annex_a_code_text(expr) }} in ('3A', '3B', '3C', '3D', '3E', '3F') then 'd) Health Services'
        when {{ annex_a_code_text(expr) }} = '4' then 'e) Housing'
        when {{ annex_a_code_text(expr) }} in ('5A', '5B', '5C', '5D') then 'f) LA Services'
        when {{ annex_a_code_text(expr) }} = '6' then 'g) Police'
        when {{ annex_a_code_text(expr) }} = '7' then 'h) Other legal agency'
        when {{ annex_a_code_text(expr) }} = '8' then 'i) Other'
        when {{ annex_a_code_text(expr) }} = '9' then 'j) Anonymous'
        else 'k) Unknown'
    end
{%- endmacro %}

{#- A flag column: a boolean as 'True' / 'False'; unknown (null) as 'Unknown' when the column allows it (unknown=true),
    else as null_as (null: a blank cell; or e.g. 'False' where not recorded means no). -#}
{% macro annex_a_flag(bool_expr, unknown=false, null_as=none) -%}
    case
        when {{ bool_expr }} then 'True'
        when not ({{ bool_expr }}) then 'False'
        {%- if unknown %}
        else 'Unknown'
        {%- elif null_as is not none %}
        else '{{ null_as }}'
        {%- endif %}
    end
{%- endmacro %}

{#- How a disability code counts towards "Does the child have a disability": 3 a disability (CIN census codes), 2 NONE,
    1 anything else (NOBT, REFU, unreadable). A child's flag is annex_a_disability(max of these). -#}
{% macro annex_a_disability_weight(code_expr) -%}
    case
        when {{ annex_a_code_text(code_expr) }} in ('MOB', 'HAND', 'PC', 'INC', 'COMM', 'LD', 'HEAR', 'VIS', 'BEH',
                                                   'CON', 'AUT', 'DDA') then 3
        when {{ annex_a_code_text(code_expr) }} in ('NONE', 'NO DISABILITY') then 2
        else 1
    end
{%- endmacro %}

{#- "Does the child have a disability" from the child's highest annex_a_disability_weight: a disability recorded ->
    True; NONE -> False; only an unknown code (NOBT, REFU) -> Unknown. No ssd_disability row -> False, as the CIN census
    returns NONE for a child with none recorded (returns.cin_disabilities). -#}
{% macro annex_a_disability(weight_expr) -%}
    case
        when {{ weight_expr }} = 3 then 'True'
        when {{ weight_expr }} = 1 then 'Unknown'
        else 'False'
    end
{%- endmacro %}

{#- An ssd_immigration_status value naming an unaccompanied asylum-seeking child (as int_cla__periods_of_care). -#}
{% macro annex_a_is_uasc(status_expr) -%}
    (upper({{ status_expr }}) like '%UASC%' or upper({{ status_expr }}) like '%UNACCOMPANIED%')
{%- endmacro %}

{#- CIN primary need / category of need (Lists 6 and 8): N1-N8, N9 "i) Not CIN"; N0 and anything else "j) Not stated". -#}
{% macro annex_a_primary_need(expr) -%}
    case {{ annex_a_code_text(expr) }}
        when 'N1' then 'a) Abuse or neglect'
        when 'N2' then 'b) Child''s disability'
        when 'N3' then 'c) Parents illness or disability'
        when 'N4' then 'd) Family in acute stress'
        when 'N5' then 'e) Family dysfunction'
        when 'N6' then 'f) Socially unacceptable behaviour'
        when 'N7' then 'g) Low income'
        when 'N8' then 'h) Absent parenting'
        when 'N9' then 'i) Not CIN'
        else 'j) Not stated'
    end
{%- endmacro %}

{#- CIN reason for closure (List 6), RC1-RC9: RC8 (closed after assessment, no further action) and RC9 (closed after
    assessment, referred to early help) are both "h) Child not in need after assessment"; any other recorded reason
    "i) Not Stated"; no reason recorded: null (the column is blank while the episode is open). -#}
{% macro annex_a_cin_closure_reason(expr) -%}
    case
        when {{ expr }} is null then null
        when {{ annex_a_code_text(expr) }} = 'RC1' then 'a) Adopted'
        when {{ annex_a_code_text(expr) }} = 'RC2' then 'b) Died'
        when {{ annex_a_code_text(expr) }} = 'RC3' then 'c) Residence Order'
        when {{ annex_a_code_text(expr) }} = 'RC4' then 'd) Special Guardianship Order'
        when {{ annex_a_code_text(expr) }} = 'RC5' then 'e) Transfer to another LA'
        when {{ annex_a_code_text(expr) }} = 'RC6' then 'f) Transfer to Adult Social Services'
        when {{ annex_a_code_text(expr) }} = 'RC7' then 'g) ''Other'' incl. Child no longer in need'
        when {{ annex_a_code_text(expr) }} in ('RC8', 'RC9') then 'h) Child not in need after assessment'
        else 'i) Not Stated'
    end
{%- endmacro %}

{#- Category of abuse (List 7): the CIN census codes (NEG, PHY, SAB, EMO, MUL) or the SSD's words (Neglect, Physical
    abuse, Sexual abuse, Emotional abuse, Multiple: ...); null when neither. -#}
{% macro annex_a_abuse_category(expr) -%}
    case
        when {{ annex_a_code_text(expr) }} = 'NEG' or {{ annex_a_code_text(expr) }} like 'NEGLECT%' then 'a) Neglect'
        when {{ annex_a_code_text(expr) }} = 'PHY' or {{ annex_a_code_text(expr) }} like 'PHYSICAL%' then 'b) Physical Abuse'
        when {{ annex_a_code_text(expr) }} = 'SAB' or {{ annex_a_code_text(expr) }} like 'SEXUAL%' then 'c) Sexual Abuse'
        when {{ annex_a_code_text(expr) }} = 'EMO' or {{ annex_a_code_text(expr) }} like 'EMOTIONAL%' then 'd) Emotional Abuse'
        when {{ annex_a_code_text(expr) }} = 'MUL' or {{ annex_a_code_text(expr) }} like 'MULTIPLE%' then 'e) Multiple'
    end
{%- endmacro %}

{#- SSDA903 legal status (List 8). L1-L3 (police protection, EPO, child assessment order) "f) Detained on child
    protection grounds in LA accommodation"; J3 "g) Youth justice legal Statuses"; V3/V4 (short breaks under section 20,
    whose periods List 8 leaves out) "e) Accommodated under S20"; null for anything else. -#}
{% macro annex_a_legal_status(expr) -%}
    case {{ annex_a_code_text(expr) }}
        when 'C1' then 'a) Interim care orders'
        when 'C2' then 'b) Full care orders'
        when 'D1' then 'c) Freed for  Adoption'
        when 'E1' then 'd) Placement order granted'
        when 'V2' then 'e) Accommodated under S20'
        when 'V3' then 'e) Accommodated under S20'
        when 'V4' then 'e) Accommodated under S20'
        when 'L1' then 'f) Detained on child protection grounds in LA accommodation'
        when 'L2' then 'f) Detained on child protection grounds in LA accommodation'
        when 'L3' then 'f) Detained on child protection grounds in LA accommodation'
        when 'J1' then 'J1: Remanded to LA or youth detention'
        when 'J2' then 'J2: LA accommodation under PACE'
        when 'J3' then 'g) Youth justice legal Statuses'
    end
{%- endmacro %}

{#- SSDA903 placement type (List 8): foster U1-U6 (and the old F / Q codes), adoption A1-A6, P1-P3, H5 and K3, K1, K2,
    R1-R3, R5, S1, temporary T0-T4; Z1 (Z11-Z14) and any other recorded type "n) Other placements"; null when none
    recorded. -#}
{% macro annex_a_placement_type(expr) -%}
    case
        when {{ expr }} is null or trim({{ expr }}) = '' then null
        when {{ annex_a_code_text(expr) }} in ('U1', 'U2', 'U3', 'U4', 'U5', 'U6', 'Q1', 'Q2', 'F1', 'F2', 'F3', 'F4',
                                                'F5', 'F6') then 'a) Foster Placement'
        when {{ annex_a_code_text(expr) }} in ('A1', 'A2', 'A3', 'A4', 'A5', 'A6') then 'b) Placed for adoption'
        when {{ annex_a_code_text(expr) }} = 'P1' then 'c) Placed with parents'
        when {{ annex_a_code_text(expr) }} = 'P2' then 'd) Independent living'
        when {{ annex_a_code_text(expr) }} = 'P3' then 'e) Residential employment'
        {#- H5 semi-independent accommodation and its registered successor K3 (supported accommodation, 2023-24 on) #}
        when {{ annex_a_code_text(expr) }} in ('H5', 'K3') then 'f) Residential accommodation'
        when {{ annex_a_code_text(expr) }} = 'K1' then 'g) Secure Children’s Homes'
        when {{ annex_a_code_text(expr) }} = 'K2' then 'h) Children’s Homes'
        when {{ annex_a_code_text(expr) }} = 'R1' then 'i) Residential Care Home'
        when {{ annex_a_code_text(expr) }} = 'R2' then 'j) NHS/Health Trust'
        when {{ annex_a_code_text(expr) }} = 'R3' then 'k) Family Centre or Mother and Baby Unit'
        when {{ annex_a_code_text(expr) }} = 'R5' then 'l) Young Offender Institution'
        when {{ annex_a_code_text(expr) }} = 'S1' then 'm) Residential school'
        when {{ annex_a_code_text(expr) }} in ('T0', 'T1', 'T2', 'T3', 'T4') then 'o) Temporary placement'
        {#- Z1 and its successors Z11-Z14 (from 2025-26), and any other recorded type #}
        else 'n) Other placements'
    end
{%- endmacro %}

{#- SSDA903 placement provider (List 8): PR1 own provision "a) Own LA"; PR4 "b) Private"; PR0, PR2, PR3, PR5 and none
    recorded (temporary and other placements have none) "c) Other", as the LIIA tools map them. -#}
{% macro annex_a_placement_provider(expr) -%}
    case {{ annex_a_code_text(expr) }}
        when 'PR1' then 'a) Own LA'
        when 'PR4' then 'b) Private'
        else 'c) Other'
    end
{%- endmacro %}

{#- Placement location (List 8) from the placement's distance from home: over var out_of_area_miles "b) Out", else
    "a) In" (the SSD records no placement LA); null where the distance is unknown (not recorded, or 999.9). -#}
{% macro annex_a_placement_location(out_of_area_expr) -%}
    case when {{ out_of_area_expr }} then 'b) Out' when not ({{ out_of_area_expr }}) then 'a) In' end
{%- endmacro %}

{#- SSDA903 reason episode ceased, the end of a period of care (List 8); null for X1 or a code outside DfE's list. -#}
{% macro annex_a_reason_ceased(expr) -%}
    case {{ annex_a_code_text(expr) }}
        when 'E11' then 'a) Adopted'
        when 'E12' then 'a) Adopted'
        when 'E2' then 'b) Died'
        when 'E3' then 'c) Care taken by another LA'
        when 'E4A' then 'd) Returned home to live with parents or relatives'
        when 'E4B' then 'd) Returned home to live with parents or relatives'
        when 'E13' then 'e) Left care to live with parents, relatives or other person with no parental responsibility'
        when 'E17' then 'e) Left care to live with parents, relatives or other person with no parental responsibility'
        when 'E41' then 'f) Residence order granted'
        when 'E43' then 'g) Special Guardianship Orders'
        when 'E44' then 'g) Special Guardianship Orders'
        when 'E45' then 'g) Special Guardianship Orders'
        when 'E46' then 'g) Special Guardianship Orders'
        when 'E47' then 'g) Special Guardianship Orders'
        when 'E48' then 'g) Special Guardianship Orders'
        when 'E5' then 'h) Moved into independent living'
        when 'E6' then 'h) Moved into independent living'
        when 'E7' then 'i) Transferred to residential care funded by adult social services'
        when 'E9' then 'j) Sentenced to custody'
        when 'E14' then 'k) Accommodation on remand ended'
        when 'E15' then 'l) Age assessment determined child was 18 or over'
        when 'E16' then 'm) Child moved abroad'
        when 'E8' then 'n) Care ceased for any other reason'
    end
{%- endmacro %}

{#- Care leaver eligibility (List 9), the SSD's words (Relevant, Former Relevant, Qualifying, Eligible; any case);
    anything else "e) Other". -#}
{% macro annex_a_leaver_eligibility(expr) -%}
    case
        when {{ annex_a_code_text(expr) }} in ('RELEVANT', 'RELEVANT CHILD', 'R') then 'a) Relevant'
        when {{ annex_a_code_text(expr) }} in ('FORMER RELEVANT', 'FORMER RELEVANT CHILD', 'FR') then 'b) Former relevant'
        when {{ annex_a_code_text(expr) }} like 'QUALIFYING%' or {{ annex_a_code_text(expr) }} = 'Q' then 'c) Qualifying'
        when {{ annex_a_code_text(expr) }} in ('ELIGIBLE', 'ELIGIBLE CHILD', 'E') then 'd) Eligible'
        else 'e) Other'
    end
{%- endmacro %}

{#- A care leaver record of no current eligibility (the SSD's "No Current Eligibility"): not a care leaver. -#}
{% macro annex_a_leaver_not_eligible(expr) -%}
    coalesce({{ annex_a_code_text(expr) }} like 'NO %', false)
{%- endmacro %}

{#- Care leaver in touch (List 9), the SSD / SSDA903 codes: YES "a) In touch"; NO, REFU, NREQ "b) Not in touch"; DIED
    and RHOM (returned home for 6 months or more) "d) Exclude"; none or anything else "c) Not recorded". -#}
{% macro annex_a_leaver_in_touch(expr) -%}
    case
        when {{ annex_a_code_text(expr) }} in ('YES', 'Y') then 'a) In touch'
        when {{ annex_a_code_text(expr) }} in ('NO', 'N', 'REFU', 'NREQ') then 'b) Not in touch'
        when {{ annex_a_code_text(expr) }} in ('DIED', 'RHOM') then 'd) Exclude'
        else 'c) Not recorded'
    end
{%- endmacro %}

{#- Care leaver accommodation (List 9), the SSDA903 letter (a two-character ACCOM such as 'B1' by its letter); null
    when none is recorded or the letter is not one of DfE's. -#}
{% macro annex_a_leaver_accommodation(expr) -%}
    case substr({{ annex_a_code_text(expr) }}, 1, 1)
        when 'B' then 'a) With parents or relatives'
        when 'C' then 'b) Community home'
        when 'D' then 'c) Semi-independent transitional accommodation'
        when 'E' then 'd) Supported lodgings'
        when 'G' then 'e) Gone abroad'
        when 'H' then 'f) Deported'
        when 'K' then 'g) Ordinary lodgings'
        when 'R' then 'h) Residence not known'
        when 'S' then 'i) No fixed abode / homeless'
        when 'T' then 'j) Foyers'
        when 'U' then 'k) Independent living'
        when 'V' then 'l) Emergency accommodation'
        when 'W' then 'm) Bed and breakfast'
        when 'X' then 'n) In custody'
        when 'Z' then 'o) With Former Foster Carer'
        when 'Y' then 'p) Other accommodation'
    end
{%- endmacro %}

{#- Suitability of a care leaver's accommodation (List 9): the SSD's 1 suitable / 2 unsuitable (else the digit of a
    two-character ACCOM such as 'B1'); DIED / RHOM "d) Exclude" (Ofsted leaves them out, as the in-touch column);
    otherwise "c) Not in touch or not recorded". -#}
{% macro annex_a_leaver_suitability(suitable_expr, accommodation_expr, in_touch_expr) -%}
    case
        when {{ annex_a_code_text(in_touch_expr) }} in ('DIED', 'RHOM') then 'd) Exclude'
        when {{ annex_a_code_text(suitable_expr) }} in ('1', 'Y', 'YES', 'SUITABLE') then 'a) Suitable'
        when {{ annex_a_code_text(suitable_expr) }} in ('2', 'N', 'NO', 'UNSUITABLE', 'NOT SUITABLE') then 'b) Not suitable'
        when length({{ annex_a_code_text(accommodation_expr) }}) = 2
            and substr({{ annex_a_code_text(accommodation_expr) }}, 2, 1) = '1' then 'a) Suitable'
        when length({{ annex_a_code_text(accommodation_expr) }}) = 2
            and substr({{ annex_a_code_text(accommodation_expr) }}, 2, 1) = '2' then 'b) Not suitable'
        else 'c) Not in touch or not recorded'
    end
{%- endmacro %}

{#- Care leaver activity (List 9), the SSDA903 codes F1-F5, P1-P5, G4-G6; null for anything else. -#}
{% macro annex_a_leaver_activity(expr) -%}
    case {{ annex_a_code_text(expr) }}
        when 'F1' then 'F1: Full time in higher education'
        when 'F2' then 'F2: Full time in education other than higher'
        when 'F3' then 'F3: Full time in training or employment'
        when 'F4' then 'F4: Young person engaged full time in an apprenticeship'
        when 'F5' then 'F5: Young person engaged full time in training or employment (not apprenticeship)'
        when 'G4' then 'G4: Not in education, employment or training - illness or disability'
        when 'G5' then 'G5: Not in education, employment or training - other'
        when 'G6' then 'G6: Not in education, employment or training - pregnancy or parenting'
        when 'P1' then 'P1: Part time in higher education'
        when 'P2' then 'P2: Part time in education other than higher'
        when 'P3' then 'P3: Part time in training or employment'
        when 'P4' then 'P4: Young person engaged part time in an apprenticeship'
        when 'P5' then 'P5: Young person engaged part time in training or employment (not apprenticeship)'
    end
{%- endmacro %}

{#- Reason a child should no longer be placed for adoption (List 10), SSDA903 RD1-RD4; null for anything else. -#}
{% macro annex_a_adoption_reversal_reason(expr) -%}
    case {{ annex_a_code_text(expr) }}
        when 'RD1' then 'a) Child’s needs changed'
        when 'RD2' then 'b) Court did not make a PO'
        when 'RD3' then 'c) Prospective adopters cannot be found'
        when 'RD4' then 'd) Any other reason'
    end
{%- endmacro %}
