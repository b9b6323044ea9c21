"""Trainings in the background: the job manager (`manager`: owners, submit, stop) and what a
session sees of a job (`job_view`), the fair queue and the limit per browser (`queue`), estimated
start times (`eta`), teacher rights (`teacher`), the class settings: challenge, pause, hidden runs
(`classroom`), nicknames (`nicknames`), where jobs run (`executors`: the interface and the local
process pool; `ray_executor`: Ray tasks; `choose`: which one), the worker that trains one run
folder (`worker`), and following runs from a terminal (`watch`).
"""

from fmnist_viz.jobs.choose import (
    CPUS_PER_JOB_ENV,
    EXECUTOR_ENV,
    EXECUTORS,
    RAY_ADDRESS_ENV,
    chosen_executor,
    make_executor,
)
from fmnist_viz.jobs.classroom import CLASS_FILE, TITLE_MAX, Challenge, Classroom, ClassSettings
from fmnist_viz.jobs.eta import Durations, ordinal, place_text, start_estimates
from fmnist_viz.jobs.executors import MAX_JOBS_ENV, ExecutorError, LocalExecutor, cpu_count
from fmnist_viz.jobs.job_view import JobView
from fmnist_viz.jobs.manager import PAUSED, JobManager, QueueError
from fmnist_viz.jobs.nicknames import NICKNAME_MAX, Nicknames, clean_nickname
from fmnist_viz.jobs.queue import (
    CLI_OWNER,
    DEFAULT_MAX_JOBS_PER_BROWSER,
    MAX_JOBS_PER_BROWSER_ENV,
    FairQueue,
    is_limited,
    max_jobs_per_owner,
)
from fmnist_viz.jobs.ray_executor import RayExecutor, import_ray
from fmnist_viz.jobs.teacher import TEACHER_KEY_ENV, RightsError, TeacherGate, TeacherPass
from fmnist_viz.jobs.watch import wait_for_jobs
from fmnist_viz.jobs.worker import WITHDRAWN, WORKER_NICE_ENV, worker_nice

__all__ = [
    "CLASS_FILE",
    "CLI_OWNER",
    "CPUS_PER_JOB_ENV",
    "DEFAULT_MAX_JOBS_PER_BROWSER",
    "EXECUTORS",
    "EXECUTOR_ENV",
    "MAX_JOBS_ENV",
    "MAX_JOBS_PER_BROWSER_ENV",
    "NICKNAME_MAX",
    "PAUSED",
    "RAY_ADDRESS_ENV",
    "TEACHER_KEY_ENV",
    "TITLE_MAX",
    "WITHDRAWN",
    "WORKER_NICE_ENV",
    "Challenge",
    "ClassSettings",
    "Classroom",
    "Durations",
    "ExecutorError",
    "FairQueue",
    "JobManager",
    "JobView",
    "LocalExecutor",
    "Nicknames",
    "QueueError",
    "RayExecutor",
    "RightsError",
    "TeacherGate",
    "TeacherPass",
    "chosen_executor",
    "clean_nickname",
    "cpu_count",
    "import_ray",
    "is_limited",
    "make_executor",
    "max_jobs_per_owner",
    "ordinal",
    "place_text",
    "start_estimates",
    "wait_for_jobs",
    "worker_nice",
]
