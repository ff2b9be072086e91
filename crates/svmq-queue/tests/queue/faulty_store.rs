//! A store that passes every call to a real one, except that its first lease renewal
//! panics: the way to make a worker's supervising loop panic, since no input can any
//! more. For the test that the worker survives it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use svmq_queue::{
    CancelOutcome, ClaimedTask, LeaseRenewal, LogLevel, LogLine, ModelId, ModelRecord, NewTask,
    PruneReport, QueueCounts, QueueEstimate, Recovery, Result, Store, Submission, SubmitLimits,
    TaskFilter, TaskId, TaskPage, TaskRecord, TaskState, WorkerId, WorkerInfo,
};

pub struct PanicOnFirstRenewal {
    pub inner: Arc<dyn Store>,
    pub panicked: AtomicBool,
}

impl Store for PanicOnFirstRenewal {
    fn submit(&self, task: &NewTask, limits: &SubmitLimits) -> Result<Submission> {
        self.inner.submit(task, limits)
    }
    fn get_task(&self, id: &TaskId) -> Result<TaskRecord> {
        self.inner.get_task(id)
    }
    fn list_tasks(&self, filter: &TaskFilter) -> Result<TaskPage> {
        self.inner.list_tasks(filter)
    }
    fn queue_counts(&self) -> Result<QueueCounts> {
        self.inner.queue_counts()
    }
    fn queue_estimate(&self, id: &TaskId, max_concurrent: u32) -> Result<Option<QueueEstimate>> {
        self.inner.queue_estimate(id, max_concurrent)
    }
    fn cancel_task(&self, id: &TaskId) -> Result<CancelOutcome> {
        self.inner.cancel_task(id)
    }
    fn is_cancel_requested(&self, id: &TaskId) -> Result<bool> {
        self.inner.is_cancel_requested(id)
    }
    fn claim_next_task(
        &self,
        worker_id: &WorkerId,
        lease_duration: Duration,
        max_concurrent: u32,
    ) -> Result<Option<ClaimedTask>> {
        self.inner
            .claim_next_task(worker_id, lease_duration, max_concurrent)
    }
    fn recover_expired_leases(&self) -> Result<Recovery> {
        self.inner.recover_expired_leases()
    }
    fn renew_lease(
        &self,
        id: &TaskId,
        worker_id: &WorkerId,
        lease_duration: Duration,
    ) -> Result<LeaseRenewal> {
        if !self.panicked.swap(true, Ordering::SeqCst) {
            panic!("injected fault in the lease renewal");
        }
        self.inner.renew_lease(id, worker_id, lease_duration)
    }
    fn report_progress(
        &self,
        id: &TaskId,
        worker_id: &WorkerId,
        percent: f64,
        message: Option<&str>,
    ) -> Result<()> {
        self.inner.report_progress(id, worker_id, percent, message)
    }
    fn complete_task_with_models(
        &self,
        id: &TaskId,
        worker_id: &WorkerId,
        result: &Value,
        models: &[ModelRecord],
    ) -> Result<()> {
        self.inner
            .complete_task_with_models(id, worker_id, result, models)
    }
    fn fail_task(&self, id: &TaskId, worker_id: &WorkerId, error: &str) -> Result<()> {
        self.inner.fail_task(id, worker_id, error)
    }
    fn mark_cancelled(&self, id: &TaskId, worker_id: &WorkerId) -> Result<()> {
        self.inner.mark_cancelled(id, worker_id)
    }
    fn release_task(&self, id: &TaskId, worker_id: &WorkerId) -> Result<TaskState> {
        self.inner.release_task(id, worker_id)
    }
    fn append_log(&self, id: &TaskId, level: LogLevel, message: &str) -> Result<()> {
        self.inner.append_log(id, level, message)
    }
    fn task_logs(&self, id: &TaskId, tail: Option<u32>) -> Result<Vec<LogLine>> {
        self.inner.task_logs(id, tail)
    }
    fn register_worker(&self, worker: &WorkerInfo) -> Result<()> {
        self.inner.register_worker(worker)
    }
    fn worker_heartbeat(&self, worker_id: &WorkerId) -> Result<()> {
        self.inner.worker_heartbeat(worker_id)
    }
    fn unregister_worker(&self, worker_id: &WorkerId) -> Result<()> {
        self.inner.unregister_worker(worker_id)
    }
    fn live_workers(&self, within: Duration) -> Result<Vec<WorkerInfo>> {
        self.inner.live_workers(within)
    }
    fn prune(&self, older_than: Duration) -> Result<PruneReport> {
        self.inner.prune(older_than)
    }
    fn register_model(&self, model: &ModelRecord) -> Result<()> {
        self.inner.register_model(model)
    }
    fn get_model(&self, id: &ModelId) -> Result<ModelRecord> {
        self.inner.get_model(id)
    }
    fn list_models(&self, user_id: &str) -> Result<Vec<ModelRecord>> {
        self.inner.list_models(user_id)
    }
    fn delete_model(&self, id: &ModelId) -> Result<()> {
        self.inner.delete_model(id)
    }
}
