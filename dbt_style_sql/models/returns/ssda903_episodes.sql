-- SSDA903 Episodes of the collection year: every episode open at any time in the year (DECOM on or before 31 March,
-- and DEC blank or on or after 1 April), as DfE asks: "all episodes of care open during the year" (a period of care
-- that began in an earlier year contributes the episode open on 1 April and those after it; its earlier episodes
-- went in earlier years' returns, and DfE's rule 502 matches this year's first episode to last year's open one).
-- Episodes come from int_ssda903__episodes. An episode ending after 31 March is open: DEC, REC and
-- REASON_PLACE_CHANGE are blank. Rows in CHILD, DECOM order; row_id is the 0-based position.
with episodes as (
    select *
    from {{ ref('int_ssda903__episodes') }}
    where decom <= {{ collection_year_end() }}
        and (dec is null or dec >= {{ collection_year_start() }})
),

shaped as (
    select
        person_id,
        episode_number,
        decom,
        rne,
        ls,
        cin,
        place,
        place_provider,
        case when dec <= {{ collection_year_end() }} then dec end as dec,
        case when dec <= {{ collection_year_end() }} then rec end as rec,
        case when dec <= {{ collection_year_end() }} then reason_place_change end as reason_place_change,
        home_post,
        pl_post,
        urn
    from episodes
)

select
    {{ collection_year() }} as collection_year,
    cast(row_number() over (
        order by {{ binary_text_order('person_id') }}, decom, episode_number
    ) - 1 as bigint) as row_id,
    person_id as "CHILD",
    decom as "DECOM",
    rne as "RNE",
    ls as "LS",
    cin as "CIN",
    place as "PLACE",
    place_provider as "PLACE_PROVIDER",
    dec as "DEC",
    rec as "REC",
    reason_place_change as "REASON_PLACE_CHANGE",
    home_post as "HOME_POST",
    pl_post as "PL_POST",
    urn as "URN"
from shaped
