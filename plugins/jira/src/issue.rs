//! The issue fields a decision needs, read from JIRA's REST API v2 JSON.

use serde::Deserialize;

/// The `fields` query parameter: only what the decision reads.
pub const FIELDS: &str = "status,resolution,components,versions,fixVersions";

/// One issue, as far as gating cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The status name as JIRA shows it (`In Progress`).
    pub status: String,
    pub resolution: Option<String>,
    pub components: Vec<String>,
    /// Affected versions.
    pub versions: Vec<String>,
    pub fix_versions: Vec<String>,
}

/// `GET /rest/api/2/issue/{key}` and each entry of a search page.
#[derive(Deserialize)]
pub struct RawIssue {
    pub key: String,
    fields: Fields,
}

/// `GET /rest/api/2/search`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchPage {
    pub total: usize,
    pub issues: Vec<RawIssue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fields {
    status: Option<Named>,
    resolution: Option<Named>,
    components: Option<Vec<Named>>,
    versions: Option<Vec<Named>>,
    fix_versions: Option<Vec<Named>>,
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

fn names(list: Option<Vec<Named>>) -> Vec<String> {
    list.unwrap_or_default().into_iter().map(|n| n.name).collect()
}

impl From<RawIssue> for Issue {
    fn from(raw: RawIssue) -> Issue {
        let fields = raw.fields;
        Issue {
            status: fields.status.map(|s| s.name).unwrap_or_default(),
            resolution: fields.resolution.map(|r| r.name),
            components: names(fields.components),
            versions: names(fields.versions),
            fix_versions: names(fields.fix_versions),
        }
    }
}
