"""Live machinery: one job-progress widget (`job_progress`), the fragment that shows a run's
saved states and polls for new ones while it trains (`fragment`), and the Train page's live
panel of this session's latest job (`panel`)."""

from ui.live import fragment, job_progress, panel

__all__ = ["fragment", "job_progress", "panel"]
