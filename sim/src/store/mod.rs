//! The object store: every object of every resource, one global resourceVersion
//! counter, and a bounded history of changes that watches start from.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};
use tokio::sync::broadcast;

use crate::api::errors::ApiError;
use crate::api::meta;
use crate::api::resources::ResourceDef;

/// A stored object. Shared, never mutated in place: an update stores a new one.
pub(crate) type Object = Arc<Value>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChangeType {
    Added,
    Modified,
    Deleted,
}

/// One committed change, as watches and the controller see it.
#[derive(Debug)]
pub(crate) struct Change {
    pub rv: u64,
    pub change: ChangeType,
    pub resource: &'static ResourceDef,
    pub namespace: String,
    pub name: String,
    /// The new object; for `Deleted`, its last state stamped with the deletion's resourceVersion.
    pub object: Object,
    /// The object before the change (`None` for `Added`).
    pub previous: Option<Object>,
}

impl Change {
    pub fn is_for(&self, resource: &ResourceDef) -> bool {
        std::ptr::eq(self.resource, resource)
    }
}

/// Changes a watch starts from: those still in the history after its resourceVersion,
/// and a receiver for every later one.
pub(crate) struct Feed {
    pub backlog: Vec<Arc<Change>>,
    pub receiver: broadcast::Receiver<Arc<Change>>,
}

/// The watch history no longer reaches back to the requested resourceVersion.
#[derive(Debug)]
pub(crate) struct Expired {
    pub oldest_available: u64,
}

type Key = (String, String);

struct State {
    rv: u64,
    objects: HashMap<(&'static str, &'static str), BTreeMap<Key, Object>>,
    history: VecDeque<Arc<Change>>,
    /// Changes at or before this resourceVersion may have left the history.
    compacted: u64,
}

pub(crate) struct Store {
    state: Mutex<State>,
    changes: broadcast::Sender<Arc<Change>>,
    history_limit: usize,
}

fn table_key(resource: &ResourceDef) -> (&'static str, &'static str) {
    (resource.group, resource.plural)
}

fn name_of(obj: &Value) -> &str {
    obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default()
}

fn namespace_of(obj: &Value) -> &str {
    obj.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or_default()
}

/// Everything but `metadata` and `status`: what a generation counts changes of.
fn spec_part(obj: &Value) -> Vec<(&String, &Value)> {
    obj.as_object().map(|m| m.iter().filter(|(k, _)| !matches!(k.as_str(), "metadata" | "status")).collect()).unwrap_or_default()
}

/// Core kinds other than Pods carry no `metadata.generation`.
fn tracks_generation(resource: &ResourceDef) -> bool {
    !resource.group.is_empty() || resource.plural == "pods"
}

impl Store {
    pub fn new(history_limit: usize) -> Store {
        let (changes, _) = broadcast::channel(history_limit.max(1024) + 4096);
        Store {
            state: Mutex::new(State { rv: 1, objects: HashMap::new(), history: VecDeque::new(), compacted: 0 }),
            changes,
            history_limit: history_limit.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn current_rv(&self) -> u64 {
        self.lock().rv
    }

    pub fn get(&self, resource: &ResourceDef, namespace: &str, name: &str) -> Option<Object> {
        let state = self.lock();
        state.objects.get(&table_key(resource))?.get(&(namespace.to_string(), name.to_string())).cloned()
    }

    /// Objects of a resource in one namespace (or all, with `None`), in name order,
    /// with the resourceVersion the list is consistent with.
    pub fn list(&self, resource: &ResourceDef, namespace: Option<&str>) -> (Vec<Object>, u64) {
        let state = self.lock();
        let items = match state.objects.get(&table_key(resource)) {
            None => Vec::new(),
            Some(table) => match namespace {
                Some(ns) => {
                    table.range((ns.to_string(), String::new())..).take_while(|((n, _), _)| n == ns).map(|(_, o)| o.clone()).collect()
                }
                None => table.values().cloned().collect(),
            },
        };
        (items, state.rv)
    }

    /// Every change from now on (the controller's feed).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.changes.subscribe()
    }

    /// The changes after `rv`, taken under one lock so nothing falls between the
    /// backlog and the receiver.
    pub fn changes_since(&self, rv: u64) -> Result<Feed, Expired> {
        let state = self.lock();
        if rv < state.compacted {
            return Err(Expired { oldest_available: state.compacted });
        }
        let receiver = self.changes.subscribe();
        let backlog = state.history.iter().filter(|c| c.rv > rv).cloned().collect();
        Ok(Feed { backlog, receiver })
    }

    fn commit(&self, state: &mut State, change: Change) {
        let change = Arc::new(change);
        state.history.push_back(change.clone());
        while state.history.len() > self.history_limit {
            if let Some(old) = state.history.pop_front() {
                state.compacted = old.rv;
            }
        }
        // No receivers is fine: nobody is watching.
        let _ = self.changes.send(change);
    }

    /// Stores a new object. Sets uid, creationTimestamp, resourceVersion, generation,
    /// and the name from `generateName` when there is no name.
    pub fn create(&self, resource: &'static ResourceDef, obj: Value) -> Result<Object, ApiError> {
        self.create_or_try(resource, obj, false)
    }

    /// What [`Store::create`] would store (`dryRun=All`): the same checks (namespace,
    /// name taken) and server-set metadata, but no resourceVersion and nothing stored.
    pub fn try_create(&self, resource: &'static ResourceDef, obj: Value) -> Result<Object, ApiError> {
        self.create_or_try(resource, obj, true)
    }

    fn create_or_try(&self, resource: &'static ResourceDef, mut obj: Value, dry_run: bool) -> Result<Object, ApiError> {
        let mut state = self.lock();
        let namespace = namespace_of(&obj).to_string();
        if resource.namespaced && !state.namespace_exists(&namespace) {
            return Err(ApiError::namespace_not_found(&namespace));
        }
        let table = state.objects.entry(table_key(resource)).or_default();
        let mut name = name_of(&obj).to_string();
        if name.is_empty() {
            let prefix = obj.pointer("/metadata/generateName").and_then(Value::as_str).unwrap_or_default().to_string();
            name = loop {
                let candidate = meta::generate_name(&prefix);
                if !table.contains_key(&(namespace.clone(), candidate.clone())) {
                    break candidate;
                }
            };
        }
        let key = (namespace.clone(), name.clone());
        if table.contains_key(&key) {
            return Err(ApiError::already_exists(&resource.subject(&name)));
        }
        let metadata = &mut obj["metadata"];
        metadata["name"] = json!(name);
        metadata["uid"] = json!(meta::new_uid());
        metadata["creationTimestamp"] = json!(crate::time::now_rfc3339());
        if tracks_generation(resource) {
            metadata["generation"] = json!(1);
        }
        if dry_run {
            return Ok(Arc::new(obj));
        }
        state.rv += 1;
        let rv = state.rv;
        obj["metadata"]["resourceVersion"] = json!(rv.to_string());
        let object = Arc::new(obj);
        state.objects.entry(table_key(resource)).or_default().insert(key, object.clone());
        self.commit(
            &mut state,
            Change { rv, change: ChangeType::Added, resource, namespace, name, object: object.clone(), previous: None },
        );
        Ok(object)
    }

    /// Read-modify-write of one object under the store lock. `change` gets the current
    /// object and returns the whole new one. Identity metadata is kept, a stale
    /// `metadata.resourceVersion` in the new object is a Conflict, the generation
    /// follows spec changes, and a change that changes nothing is not committed.
    pub fn update(
        &self,
        resource: &'static ResourceDef,
        namespace: &str,
        name: &str,
        change: impl FnOnce(&Object) -> Result<Value, ApiError>,
    ) -> Result<Object, ApiError> {
        let mut state = self.lock();
        let key = (namespace.to_string(), name.to_string());
        let current = state
            .objects
            .get(&table_key(resource))
            .and_then(|t| t.get(&key))
            .cloned()
            .ok_or_else(|| ApiError::not_found(&resource.subject(name)))?;
        let mut updated = change(&current)?;
        let current_meta = &current["metadata"];
        let current_rv = current_meta["resourceVersion"].as_str().unwrap_or_default();
        match updated.pointer("/metadata/resourceVersion").and_then(Value::as_str) {
            Some(rv) if !rv.is_empty() && rv != current_rv => return Err(ApiError::conflict(&resource.subject(name))),
            _ => {}
        }
        {
            let metadata = &mut updated["metadata"];
            for field in ["name", "namespace", "uid", "creationTimestamp", "generation", "resourceVersion"] {
                match current_meta.get(field) {
                    Some(v) => metadata[field] = v.clone(),
                    None => {
                        if let Some(m) = metadata.as_object_mut() {
                            m.remove(field);
                        }
                    }
                }
            }
        }
        if updated == *current {
            return Ok(current);
        }
        if tracks_generation(resource) && spec_part(&updated) != spec_part(&current) {
            let generation = current_meta["generation"].as_i64().unwrap_or(0) + 1;
            updated["metadata"]["generation"] = json!(generation);
        }
        state.rv += 1;
        let rv = state.rv;
        updated["metadata"]["resourceVersion"] = json!(rv.to_string());
        let object = Arc::new(updated);
        if let Some(table) = state.objects.get_mut(&table_key(resource)) {
            table.insert(key, object.clone());
        }
        self.commit(
            &mut state,
            Change {
                rv,
                change: ChangeType::Modified,
                resource,
                namespace: namespace.to_string(),
                name: name.to_string(),
                object: object.clone(),
                previous: Some(current),
            },
        );
        Ok(object)
    }

    /// Deletes one object at once (there are no finalizers). Deleting a namespace
    /// deletes everything in it first.
    pub fn delete(&self, resource: &'static ResourceDef, namespace: &str, name: &str) -> Result<Object, ApiError> {
        let mut state = self.lock();
        let key = (namespace.to_string(), name.to_string());
        if !state.objects.get(&table_key(resource)).is_some_and(|t| t.contains_key(&key)) {
            return Err(ApiError::not_found(&resource.subject(name)));
        }
        if resource.is("", "namespaces") {
            for contained in crate::api::resources::all().iter().filter(|r| r.namespaced) {
                let names: Vec<Key> = state
                    .objects
                    .get(&table_key(contained))
                    .map(|t| t.keys().filter(|(ns, _)| ns == name).cloned().collect())
                    .unwrap_or_default();
                for (ns, n) in names {
                    self.remove(&mut state, contained, &ns, &n);
                }
            }
        }
        self.remove(&mut state, resource, namespace, name).ok_or_else(|| ApiError::not_found(&resource.subject(name)))
    }

    fn remove(&self, state: &mut State, resource: &'static ResourceDef, namespace: &str, name: &str) -> Option<Object> {
        let key = (namespace.to_string(), name.to_string());
        let previous = state.objects.get_mut(&table_key(resource))?.remove(&key)?;
        state.rv += 1;
        let rv = state.rv;
        let mut last = (*previous).clone();
        last["metadata"]["resourceVersion"] = json!(rv.to_string());
        if resource.is("", "namespaces") {
            last["status"] = json!({"phase": "Terminating"});
        }
        let object = Arc::new(last);
        self.commit(
            state,
            Change {
                rv,
                change: ChangeType::Deleted,
                resource,
                namespace: namespace.to_string(),
                name: name.to_string(),
                object: object.clone(),
                previous: Some(previous),
            },
        );
        Some(object)
    }
}

impl State {
    fn namespace_exists(&self, namespace: &str) -> bool {
        self.objects.get(&("", "namespaces")).is_some_and(|t| t.contains_key(&(String::new(), namespace.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::resources;

    fn store_with_namespace() -> Store {
        let store = Store::new(4);
        store.create(resources::get("", "namespaces"), json!({"metadata": {"name": "ns1"}})).unwrap();
        store
    }

    #[test]
    fn create_update_delete_bump_resource_version() {
        let store = store_with_namespace();
        let cms = resources::get("", "configmaps");
        let created = store.create(cms, json!({"metadata": {"name": "a", "namespace": "ns1"}, "data": {"k": "v"}})).unwrap();
        let rv1: u64 = created["metadata"]["resourceVersion"].as_str().unwrap().parse().unwrap();
        let same = store.update(cms, "ns1", "a", |o| Ok((**o).clone())).unwrap();
        assert_eq!(same["metadata"]["resourceVersion"], created["metadata"]["resourceVersion"], "no-op update commits nothing");
        let updated = store
            .update(cms, "ns1", "a", |o| {
                let mut v = (**o).clone();
                v["data"]["k"] = json!("w");
                Ok(v)
            })
            .unwrap();
        let rv2: u64 = updated["metadata"]["resourceVersion"].as_str().unwrap().parse().unwrap();
        assert!(rv2 > rv1);
        let stale = store.update(cms, "ns1", "a", |o| {
            let mut v = (**o).clone();
            v["metadata"]["resourceVersion"] = json!(rv1.to_string());
            v["data"]["k"] = json!("x");
            Ok(v)
        });
        assert_eq!(stale.unwrap_err().code, 409);
        assert!(store.create(cms, json!({"metadata": {"name": "a", "namespace": "ns1"}})).is_err());
        assert_eq!(store.create(cms, json!({"metadata": {"name": "b", "namespace": "nope"}})).unwrap_err().code, 404);
    }

    #[test]
    fn history_is_bounded_and_namespace_delete_cascades() {
        let store = store_with_namespace();
        let cms = resources::get("", "configmaps");
        for i in 0..6 {
            store.create(cms, json!({"metadata": {"name": format!("c{i}"), "namespace": "ns1"}})).unwrap();
        }
        assert!(store.changes_since(1).is_err(), "rv 1 has been compacted away");
        let rv = store.current_rv();
        let mut receiver = store.changes_since(rv).unwrap().receiver;
        store.delete(resources::get("", "namespaces"), "", "ns1").unwrap();
        assert!(store.list(cms, Some("ns1")).0.is_empty());
        let mut deleted = 0;
        while let Ok(change) = receiver.try_recv() {
            assert_eq!(change.change, ChangeType::Deleted);
            deleted += 1;
        }
        assert_eq!(deleted, 7, "six configmaps and the namespace");
    }
}
