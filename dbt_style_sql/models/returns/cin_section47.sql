-- CIN census Section47 of the collection year: each census episode's section 47 enquiries begun by 31 March and not
-- ended before 1 April. InitialCPCtarget and DateOfInitialCPC from the enquiry's initial conference (the first held
-- by 31 March and known by the as-at date); ICPCnotRequired 1 when the enquiry's outcome called for no conference
-- and none was held.
-- Rows in LAchildID, S47ActualStartDate order.
with icpc as (
    select s47_enquiry_id, min(icpc_target_date) as target_date,
           min(case when icpc_date <= {{ collection_year_end() }} and icpc_date <= {{ as_at_date() }}
               then icpc_date end) as icpc_date
    from {{ ref('stg_ssd__initial_cp_conference') }}
    group by s47_enquiry_id
),

enquiries as (
    select
        d."LAchildID",
        d."CINdetailsID",
        s.s47_enquiry_id,
        s.s47_start_date,
        i.target_date,
        i.icpc_date,
        s.s47_cp_conference_flag
    from {{ ref('cin_details') }} as d
    inner join {{ ref('stg_ssd__s47_enquiry') }} as s
        on s.referral_id = d."CINdetailsID"
    left join icpc as i
        on i.s47_enquiry_id = s.s47_enquiry_id
    where d.collection_year = {{ collection_year() }}
        and {{ open_in_year('s.s47_start_date', 's.s47_end_date') }}
)

select
    {{ collection_year() }} as collection_year,
    cast(row_number() over (order by {{ binary_text_order('"LAchildID"') }}, s47_start_date,
                            {{ binary_text_order('s47_enquiry_id') }}) - 1 as bigint) as row_id,
    "LAchildID",
    "CINdetailsID",
    s47_start_date as "S47ActualStartDate",
    case when coalesce(s47_cp_conference_flag, false) or icpc_date is not null then target_date end
        as "InitialCPCtarget",
    icpc_date as "DateOfInitialCPC",
    case when coalesce(s47_cp_conference_flag, false) or icpc_date is not null then '0' else '1' end
        as "ICPCnotRequired"
from enquiries
