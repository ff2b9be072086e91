//! Publishing model directories and the model registry.

use serde_json::json;
use svmq_queue::{
    artifacts::delete_model, create_staging_dir, discard_staging_dir, model_dir,
    move_model_into_place, publish_model_dir, ModelId, ModelRecord, NewModel, QueueError, TaskId,
};

use crate::support::{Backend, TestStore};

fn new_model(user: &str) -> NewModel {
    NewModel {
        model_id: ModelId::generate(),
        task_id: Some(TaskId::generate()),
        user_id: user.into(),
        metadata: json!({ "kernel": "rbf" }),
    }
}

fn publishing_moves_the_staging_directory_and_registers_it(backend: Backend) {
    let test = TestStore::new(&backend, "publish");
    let staging = create_staging_dir(test.home()).unwrap();
    std::fs::write(staging.join("model.bin"), b"weights").unwrap();
    let model = new_model("alice");
    let model_id = model.model_id.clone();
    let record = publish_model_dir(test.store.as_ref(), test.home(), &staging, model).unwrap();

    assert_eq!(record.path, model_dir(test.home(), &model_id));
    assert_eq!(
        std::fs::read(record.path.join("model.bin")).unwrap(),
        b"weights"
    );
    assert!(!staging.exists());
    assert_eq!(test.store.get_model(&model_id).unwrap(), record);
    assert_eq!(
        test.store.list_models("alice").unwrap(),
        std::slice::from_ref(&record)
    );
    assert!(test.store.list_models("bob").unwrap().is_empty());

    delete_model(test.store.as_ref(), &model_id).unwrap();
    assert!(!record.path.exists());
    assert!(matches!(
        test.store.get_model(&model_id),
        Err(QueueError::ModelNotFound { .. })
    ));
}

fn a_failed_registration_leaves_no_model_directory(backend: Backend) {
    let test = TestStore::new(&backend, "publish-register-fails");
    let model = new_model("alice");
    // An entry with this id already exists in the registry (but not on disk), so the
    // rename succeeds and the registration fails.
    test.store
        .register_model(&ModelRecord {
            model_id: model.model_id.clone(),
            task_id: None,
            user_id: "alice".into(),
            created_at: 0,
            path: test.home().join("elsewhere"),
            metadata: json!({}),
        })
        .unwrap();
    let staging = create_staging_dir(test.home()).unwrap();
    std::fs::write(staging.join("model.bin"), b"weights").unwrap();
    let destination = model_dir(test.home(), &model.model_id);
    assert!(publish_model_dir(test.store.as_ref(), test.home(), &staging, model).is_err());
    assert!(
        !destination.exists(),
        "an unregistered model was left on disk"
    );
}

fn publishing_over_an_existing_model_is_refused_before_anything_moves(backend: Backend) {
    let test = TestStore::new(&backend, "publish-duplicate");
    let model = new_model("alice");
    let first = create_staging_dir(test.home()).unwrap();
    publish_model_dir(test.store.as_ref(), test.home(), &first, model.clone()).unwrap();
    let second = create_staging_dir(test.home()).unwrap();
    assert!(publish_model_dir(test.store.as_ref(), test.home(), &second, model).is_err());
    assert!(
        second.exists(),
        "the refused staging directory is the caller's to discard"
    );
    discard_staging_dir(&second).unwrap();
    assert!(!second.exists());
    assert_eq!(test.store.list_models("alice").unwrap().len(), 1);
}

fn discarding_a_missing_staging_directory_is_not_an_error(backend: Backend) {
    let test = TestStore::new(&backend, "discard-missing");
    let staging = create_staging_dir(test.home()).unwrap();
    discard_staging_dir(&staging).unwrap();
    discard_staging_dir(&staging).unwrap();
}

/// Regression: a killed worker once left a registered model for a task that ended
/// `failed`. The registry row is now written only by the completing transaction.
fn a_model_is_registered_only_by_its_tasks_completion(backend: Backend) {
    let test = TestStore::new(&backend, "register-with-completion");
    let store = test.store.as_ref();
    let task = store
        .submit(
            &svmq_queue::NewTask::new("fake", json!({}), "alice"),
            &svmq_queue::SubmitLimits::default(),
        )
        .unwrap()
        .task_id;
    let owner = svmq_queue::WorkerId::generate();
    let stranger = svmq_queue::WorkerId::generate();
    store
        .claim_next_task(&owner, std::time::Duration::from_secs(30), 3)
        .unwrap()
        .unwrap();
    let staging = create_staging_dir(test.home()).unwrap();
    std::fs::write(staging.join("model.bin"), b"weights").unwrap();
    let mut model = new_model("alice");
    model.task_id = Some(task.clone());
    let record = move_model_into_place(test.home(), &staging, model).unwrap();
    // Moved into place, not registered.
    assert!(store.list_models("alice").unwrap().is_empty());
    // A worker that no longer holds the task registers nothing.
    let refused = store
        .complete_task_with_models(&task, &stranger, &json!({}), std::slice::from_ref(&record))
        .unwrap_err();
    assert!(
        matches!(refused, QueueError::LeaseLost { .. }),
        "{refused:?}"
    );
    assert!(store.list_models("alice").unwrap().is_empty());
    // The owner's completion registers it, with the task completed.
    store
        .complete_task_with_models(&task, &owner, &json!({}), std::slice::from_ref(&record))
        .unwrap();
    assert_eq!(
        store.get_task(&task).unwrap().state(),
        svmq_queue::TaskState::Completed
    );
    let registered = store.list_models("alice").unwrap();
    assert_eq!(registered.len(), 1);
    assert_eq!(registered[0].task_id.as_ref(), Some(&task));
}

crate::on_both_stores!(
    a_model_is_registered_only_by_its_tasks_completion,
    publishing_moves_the_staging_directory_and_registers_it,
    a_failed_registration_leaves_no_model_directory,
    publishing_over_an_existing_model_is_refused_before_anything_moves,
    discarding_a_missing_staging_directory_is_not_an_error,
);
