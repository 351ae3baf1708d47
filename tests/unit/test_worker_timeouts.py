"""arq keeps a job's in-progress key for the longest timeout of any job plus ten seconds, for
every job: one long timeout would leave a dead worker's mail or read job stuck that long."""

from __future__ import annotations

from arq.worker import Function

from workers.settings import WorkerSettings


def test_no_job_outlasts_the_workers_job_timeout() -> None:
    longer = {
        function.name: function.timeout_s
        for function in WorkerSettings.functions
        if isinstance(function, Function)
        and function.timeout_s is not None
        and function.timeout_s > WorkerSettings.job_timeout
    }
    assert longer == {}
    assert any(isinstance(function, Function) for function in WorkerSettings.functions)
