//! Canned HTTP answers keyed by method and URL: the fake host's network.

use crate::{HttpTransport, InboundResponse, OutboundRequest, TransportError};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// `GET https://…` — the key answers are filed under.
fn key(method: &str, url: &str) -> (String, String) {
    (method.to_ascii_uppercase(), url.to_string())
}

/// The answers for one method + URL, served in order; the last repeats.
struct Queue {
    answers: Vec<InboundResponse>,
    served: usize,
}

/// Answers requests from canned responses. A request without one is
/// remembered and fails with a connection error naming what to add.
pub(super) struct CannedTransport {
    queues: Mutex<BTreeMap<(String, String), Queue>>,
    misses: Mutex<Vec<String>>,
}

impl CannedTransport {
    pub(super) fn new(answers: &[(String, String, InboundResponse)]) -> Self {
        let mut queues: BTreeMap<(String, String), Queue> = BTreeMap::new();
        for (method, url, response) in answers {
            queues.entry(key(method, url)).or_insert_with(|| Queue { answers: Vec::new(), served: 0 }).answers.push(response.clone());
        }
        CannedTransport { queues: Mutex::new(queues), misses: Mutex::new(Vec::new()) }
    }

    /// `METHOD URL` of every request that had no canned answer.
    pub(super) fn misses(&self) -> Vec<String> {
        self.misses.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }
}

impl HttpTransport for CannedTransport {
    fn send(&self, request: OutboundRequest) -> Result<InboundResponse, TransportError> {
        let mut queues = self.queues.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(queue) = queues.get_mut(&key(&request.method, &request.url)) {
            let index = queue.served.min(queue.answers.len() - 1);
            queue.served += 1;
            return Ok(queue.answers[index].clone());
        }
        let method = request.method.to_ascii_uppercase();
        self.misses.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(format!("{method} {}", request.url));
        Err(TransportError::Connection(format!(
            "the fake host has no canned answer for {method} {url}: add .respond(\"{method}\", \"{url}\", status, body) to the FakeHost",
            url = request.url
        )))
    }
}
