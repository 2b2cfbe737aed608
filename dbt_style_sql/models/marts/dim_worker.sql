-- Workers for BI: ids, job title, team and workload. No names or registration numbers (staff data).
select
    professional_id as worker_id,
    staff_id,
    professional_job_title as job_title,
    professional_department as team_id,
    professional_caseload as caseload,
    full_time_equivalency,
    agency_worker_flag as is_agency_worker
from {{ ref('stg_ssd__professionals') }}
where professional_id is not null
