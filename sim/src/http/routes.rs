//! Maps a request path onto what it addresses: a discovery document or a resource
//! (collection, object, or object status).

use crate::api::resources::{self, KUBEVIRT_SUBRESOURCES, ResourceDef};
use crate::controller::PowerAction;

/// What a Kubernetes API path addresses.
#[derive(Debug)]
pub(crate) enum Target {
    Version,
    CoreVersions,
    GroupList,
    Group(String),
    ResourceList {
        group: String,
        version: String,
    },
    OpenApiIndex,
    /// `/openapi/v3/<api/v1 | apis/group/version>`
    OpenApiGroupVersion(String),
    Resource(ResourcePath),
    /// `/apis/subresources.kubevirt.io/v1/namespaces/<ns>/virtualmachines/<name>/<start|stop|restart>`
    VmPower {
        namespace: String,
        name: String,
        action: PowerAction,
    },
}

/// A resource URL: `/api/v1/namespaces/ns/secrets/name/status` and friends.
#[derive(Debug)]
pub(crate) struct ResourcePath {
    pub resource: &'static ResourceDef,
    /// The namespace in the URL; `None` for cluster-scoped resources and all-namespace lists.
    pub namespace: Option<String>,
    pub name: Option<String>,
    /// The `/status` subresource.
    pub status: bool,
    /// The legacy `/watch/` path prefix.
    pub watch: bool,
}

/// Parses a path; `None` when nothing is served there.
pub(crate) fn parse(path: &str) -> Option<Target> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["version"] => Some(Target::Version),
        ["openapi", "v3"] => Some(Target::OpenApiIndex),
        ["openapi", "v3", rest @ ..] => Some(Target::OpenApiGroupVersion(rest.join("/"))),
        ["api"] => Some(Target::CoreVersions),
        ["api", version] => Some(Target::ResourceList { group: String::new(), version: version.to_string() }),
        ["api", version, rest @ ..] => resource_path("", version, rest).map(Target::Resource),
        ["apis"] => Some(Target::GroupList),
        ["apis", group] => Some(Target::Group(group.to_string())),
        ["apis", group, version] => Some(Target::ResourceList { group: group.to_string(), version: version.to_string() }),
        ["apis", KUBEVIRT_SUBRESOURCES, "v1", "namespaces", ns, "virtualmachines", name, action] => {
            PowerAction::parse(action).map(|action| Target::VmPower { namespace: ns.to_string(), name: name.to_string(), action })
        }
        ["apis", group, version, rest @ ..] => resource_path(group, version, rest).map(Target::Resource),
        _ => None,
    }
}

fn resource_path(group: &str, version: &str, rest: &[&str]) -> Option<ResourcePath> {
    let (watch, rest) = match rest {
        ["watch", rest @ ..] => (true, rest),
        _ => (false, rest),
    };
    let namespaced_target = match rest {
        ["namespaces", ns, plural, tail @ ..] => {
            resources::find(group, version, plural).filter(|r| r.namespaced).map(|r| (r, Some(ns.to_string()), tail))
        }
        _ => None,
    };
    let (resource, namespace, tail) = match namespaced_target {
        Some(found) => found,
        None => {
            let [plural, tail @ ..] = rest else { return None };
            (resources::find(group, version, plural)?, None, tail)
        }
    };
    let (name, status) = match tail {
        [] => (None, false),
        [name] => (Some(name.to_string()), false),
        [name, "status"] if resource.status_subresource => (Some(name.to_string()), true),
        _ => return None,
    };
    // A namespaced object is only addressable inside its namespace.
    if resource.namespaced && namespace.is_none() && name.is_some() {
        return None;
    }
    Some(ResourcePath { resource, namespace, name, status, watch })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(path: &str) -> ResourcePath {
        match parse(path) {
            Some(Target::Resource(r)) => r,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn paths() {
        let r = resource("/apis/forklift.konveyor.io/v1beta1/namespaces/ns1/plans/p1/status");
        assert_eq!((r.resource.plural, r.namespace.as_deref(), r.name.as_deref(), r.status), ("plans", Some("ns1"), Some("p1"), true));
        let r = resource("/apis/forklift.konveyor.io/v1beta1/plans");
        assert_eq!((r.resource.plural, r.namespace, r.name), ("plans", None, None));
        let r = resource("/api/v1/namespaces/ns1");
        assert_eq!((r.resource.plural, r.name.as_deref()), ("namespaces", Some("ns1")));
        let r = resource("/api/v1/namespaces/ns1/status");
        assert!(r.status && r.resource.plural == "namespaces");
        let r = resource("/api/v1/watch/namespaces/ns1/secrets");
        assert!(r.watch && r.namespace.as_deref() == Some("ns1"));
        assert!(parse("/apis/forklift.konveyor.io/v1beta1/plans/p1").is_none());
        assert!(parse("/apis/forklift.konveyor.io/v1/namespaces/a/plans").is_none());
        assert!(parse("/api/v1/namespaces/a/secrets/s/exec").is_none());
        assert!(matches!(parse("/apis/forklift.konveyor.io/v1beta1"), Some(Target::ResourceList { .. })));
        let start = parse("/apis/subresources.kubevirt.io/v1/namespaces/ns1/virtualmachines/vm1/start");
        assert!(matches!(start, Some(Target::VmPower { action: PowerAction::Start, .. })), "{start:?}");
        assert!(parse("/apis/subresources.kubevirt.io/v1/namespaces/ns1/virtualmachines/vm1/pause").is_none());
    }
}
