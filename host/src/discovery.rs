//! Where default plugin components are found, and how they join the
//! config's `[[plugins]]` entries.
//!
//! ```text
//!  MTV_HOST_PLUGIN_PATH (a PATH-like list)  ─┐
//!  the config's directory                    │ first directory holding
//!  the user data directory/mtv-host/plugins  ├─► <name>.wasm wins ─► Found { path, from }
//!  /opt/mtv-host/plugins (the image)         │
//!  a cargo target dir's plugins/ (dev build) ─┘
//!
//!  [[plugins]] entries ─┐
//!  default components  ─┼─► choose (--plugin / --no-plugin) ─► Chosen { spec, origin }
//!                        └─ an entry of the same name wins;    + Missing defaults
//! ```
//!
//! Integrations decide which defaults they want (see the CLI); this module
//! only finds files and merges, so it names none of them.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::config::{DEFAULT_CONFIG, RunConfig};
use crate::plugins::PluginSpec;

/// The first place searched: directories separated as in `PATH`.
pub const PLUGIN_PATH_VAR: &str = "MTV_HOST_PLUGIN_PATH";

/// Where the container image puts every component (see Containerfile).
pub const SYSTEM_DIR: &str = "/opt/mtv-host/plugins";

/// Which entry of the search path a directory is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    PluginPathVar,
    ConfigDir,
    UserData,
    System,
    DevBuild,
}

/// One directory of the search path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDir {
    pub place: Place,
    pub dir: PathBuf,
}

impl fmt::Display for SearchDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dir = self.dir.display();
        match self.place {
            Place::PluginPathVar => write!(f, "{PLUGIN_PATH_VAR} ({dir})"),
            Place::ConfigDir => write!(f, "the config's directory ({dir})"),
            Place::UserData => write!(f, "the user data directory ({dir})"),
            Place::System => write!(f, "{dir}"),
            Place::DevBuild => write!(f, "the dev build ({dir})"),
        }
    }
}

/// The directories searched, in order.
#[derive(Debug, Clone)]
pub struct SearchPath {
    dirs: Vec<SearchDir>,
    var_set: bool,
}

/// A component file and the search-path entry it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    pub from: SearchDir,
}

/// A component in none of the directories: the message names the file,
/// every directory searched, and the ways to fix it.
#[derive(Debug, Clone, thiserror::Error)]
pub struct NotFound {
    pub file: String,
    pub searched: Vec<SearchDir>,
    var_set: bool,
}

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.file.strip_suffix(".wasm").unwrap_or(&self.file);
        if !is_plain_name(name) {
            return write!(
                f,
                "'{name}' cannot name a component file (only letters, digits, '-' and '_'); add a [[plugins]] entry with its path"
            );
        }
        let mut searched: Vec<String> = self.searched.iter().map(ToString::to_string).collect();
        if !self.var_set {
            searched.insert(0, format!("{PLUGIN_PATH_VAR} (not set)"));
        }
        write!(
            f,
            "{} was not found; searched {}. Build the plugins (cargo xtask plugins), name the directory holding {} in {PLUGIN_PATH_VAR}, or add a [[plugins]] entry named '{name}' with its path to {DEFAULT_CONFIG}",
            self.file,
            searched.join(", "),
            self.file
        )
    }
}

impl SearchPath {
    /// The search path of this process: `MTV_HOST_PLUGIN_PATH`, the
    /// directory of `config` (when a file is used), the user data
    /// directory, `/opt/mtv-host/plugins`, and the `plugins/` directory of
    /// the cargo target directory this binary was built in.
    pub fn from_process(config: Option<&Path>) -> SearchPath {
        SearchPath::new(
            std::env::var_os(PLUGIN_PATH_VAR),
            config,
            dirs::data_dir().map(|d| d.join("mtv-host").join("plugins")),
            std::env::current_exe().ok(),
        )
    }

    /// The search path from its inputs; `user_data` is the full directory.
    pub fn new(plugin_path: Option<OsString>, config: Option<&Path>, user_data: Option<PathBuf>, exe: Option<PathBuf>) -> SearchPath {
        let var_set = plugin_path.as_ref().is_some_and(|v| !v.is_empty());
        let mut dirs: Vec<SearchDir> = plugin_path
            .iter()
            .flat_map(std::env::split_paths)
            .filter(|dir| !dir.as_os_str().is_empty())
            .map(|dir| SearchDir { place: Place::PluginPathVar, dir: absolute(&dir) })
            .collect();
        if let Some(config) = config {
            let dir = config.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            dirs.push(SearchDir { place: Place::ConfigDir, dir: absolute(dir) });
        }
        dirs.extend(user_data.map(|dir| SearchDir { place: Place::UserData, dir }));
        dirs.push(SearchDir { place: Place::System, dir: PathBuf::from(SYSTEM_DIR) });
        dirs.extend(exe.as_deref().and_then(dev_build_dir).map(|dir| SearchDir { place: Place::DevBuild, dir }));
        SearchPath { dirs, var_set }
    }

    pub fn dirs(&self) -> &[SearchDir] {
        &self.dirs
    }

    /// The first directory holding `file`. A file name that is not a plain
    /// name (a path, `..`) is never looked up.
    pub fn find(&self, file: &str) -> Result<Found, NotFound> {
        let plain = file.strip_suffix(".wasm").is_some_and(is_plain_name);
        let hit = self.dirs.iter().filter(|_| plain).find_map(|entry| {
            let path = entry.dir.join(file);
            path.is_file().then(|| Found { path, from: entry.clone() })
        });
        hit.ok_or_else(|| NotFound { file: file.to_owned(), searched: self.dirs.clone(), var_set: self.var_set })
    }
}

/// `<target>/plugins` for a binary in `<target>/<profile>/`, only when
/// `<target>` is a cargo target directory: an installed binary in
/// `<root>/bin` must not search `<root>/plugins`. Cargo writes
/// `.rustc_info.json` in every target directory it builds in, and
/// `CACHEDIR.TAG` only in one it created itself.
fn dev_build_dir(exe: &Path) -> Option<PathBuf> {
    let target = exe.parent()?.parent()?;
    ["CACHEDIR.TAG", ".rustc_info.json"].iter().any(|marker| target.join(marker).is_file()).then(|| target.join("plugins"))
}

fn absolute(dir: &Path) -> PathBuf {
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// Letters, digits, `-` and `_`: a name that can only mean a file in the
/// directory searched.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A component loaded without a `[[plugins]]` entry when `<name>.wasm` is
/// on the search path. `spec.path` is filled in when it is found.
#[derive(Debug, Clone)]
pub struct DefaultPlugin {
    pub spec: PluginSpec,
    /// Why the run wants it, for `plugins list` and messages.
    pub why: String,
}

impl DefaultPlugin {
    pub fn file(&self) -> String {
        format!("{}.wasm", self.spec.name)
    }
}

/// Where a chosen plugin came from.
#[derive(Debug, Clone)]
pub enum Origin {
    /// A `[[plugins]]` entry of this config file.
    Entry(PathBuf),
    Default {
        why: String,
        from: SearchDir,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Entry(config) => write!(f, "[[plugins]] entry in {}", config.display()),
            Origin::Default { why, from } => write!(f, "default ({why}), found in {from}"),
        }
    }
}

/// A plugin to load and where it came from.
#[derive(Debug, Clone)]
pub struct Chosen {
    pub spec: PluginSpec,
    pub origin: Origin,
}

/// What to load, and the wanted defaults found nowhere.
#[derive(Debug, Default)]
pub struct Choice {
    pub plugins: Vec<Chosen>,
    pub missing: Vec<(DefaultPlugin, NotFound)>,
}

impl Choice {
    /// Takes the plugin named `name` out of the list.
    pub fn take(&mut self, name: &str) -> Option<Chosen> {
        let index = self.plugins.iter().position(|c| c.spec.name == name)?;
        Some(self.plugins.remove(index))
    }

    pub fn missing(&self, name: &str) -> Option<&NotFound> {
        self.missing.iter().find(|(d, _)| d.spec.name == name).map(|(_, nf)| nf)
    }
}

/// The config's enabled entries and the defaults no entry names, narrowed
/// by `--plugin NAME` (only these) and `--no-plugin NAME` (not these).
/// Those flags may name an entry, a default, or one of `known` (defaults
/// this run does not want but could).
pub fn choose(
    config: &RunConfig,
    defaults: Vec<DefaultPlugin>,
    known: &[&str],
    only: &[String],
    without: &[String],
    search: &SearchPath,
) -> Result<Choice, String> {
    let configured = |name: &str| config.plugins.iter().any(|p| p.name == name);
    let mut seen = std::collections::BTreeSet::new();
    let defaults: Vec<DefaultPlugin> =
        defaults.into_iter().filter(|d| !configured(&d.spec.name) && seen.insert(d.spec.name.clone())).collect();
    for name in only.iter().chain(without) {
        if !configured(name) && !defaults.iter().any(|d| &d.spec.name == name) && !known.contains(&name.as_str()) {
            let entries: Vec<&str> = config.plugins.iter().map(|p| p.name.as_str()).collect();
            let mut default_names: Vec<&str> = defaults.iter().map(|d| d.spec.name.as_str()).chain(known.iter().copied()).collect();
            default_names.sort_unstable();
            default_names.dedup();
            return Err(format!(
                "no plugin named '{name}' in {} (configured: {}; defaults: {})",
                config.path.as_deref().map(|p| p.display().to_string()).unwrap_or_else(|| DEFAULT_CONFIG.into()),
                list_or_none(&entries),
                list_or_none(&default_names)
            ));
        }
    }
    let wanted = |name: &String, enabled: bool| (if only.is_empty() { enabled } else { only.contains(name) }) && !without.contains(name);
    let config_name = config.path.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG));
    let mut choice = Choice::default();
    for entry in config.plugins.iter().filter(|p| wanted(&p.name, p.enabled)) {
        choice.plugins.push(Chosen { spec: entry.spec(), origin: Origin::Entry(config_name.clone()) });
    }
    for default in defaults.into_iter().filter(|d| wanted(&d.spec.name, true)) {
        match search.find(&default.file()) {
            Ok(found) => {
                let spec = PluginSpec { path: found.path, ..default.spec };
                choice.plugins.push(Chosen { spec, origin: Origin::Default { why: default.why, from: found.from } });
            }
            Err(not_found) => choice.missing.push((default, not_found)),
        }
    }
    Ok(choice)
}

fn list_or_none(items: &[&str]) -> String {
    if items.is_empty() { "none".into() } else { items.join(", ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(dir: &Path, file: &str) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        let path = dir.join(file);
        std::fs::write(&path, b"\0asm").unwrap();
        path
    }

    /// Five directories, one per entry, and the search path over them.
    struct Layout {
        root: tempfile::TempDir,
    }

    impl Layout {
        fn new() -> Layout {
            let layout = Layout { root: tempfile::tempdir().unwrap() };
            std::fs::create_dir_all(layout.dir("target/debug")).unwrap();
            std::fs::write(layout.dir("target/CACHEDIR.TAG"), "Signature: 8a477f597d28d172789f06886806bc55").unwrap();
            layout
        }

        fn dir(&self, name: &str) -> PathBuf {
            self.root.path().join(name)
        }

        fn search(&self) -> SearchPath {
            let var = std::env::join_paths([self.dir("var-a"), self.dir("var-b")]).unwrap();
            SearchPath::new(
                Some(var),
                Some(&self.dir("config/mtv-host.toml")),
                Some(self.dir("data")),
                Some(self.dir("target/debug/mtv-host")),
            )
        }
    }

    #[test]
    fn a_target_dir_cargo_did_not_create_is_still_a_dev_build() {
        // .ci/setup makes target/ before cargo runs, so cargo writes no CACHEDIR.TAG there.
        let root = tempfile::tempdir().unwrap();
        let exe = root.path().join("target/debug/mtv-host");
        std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
        assert_eq!(dev_build_dir(&exe), None, "an installed binary's <root>/plugins is never searched");
        std::fs::write(root.path().join("target/.rustc_info.json"), "{}").unwrap();
        assert_eq!(dev_build_dir(&exe), Some(root.path().join("target/plugins")));
    }

    #[test]
    fn the_search_order_is_the_documented_one() {
        let layout = Layout::new();
        let places: Vec<(Place, PathBuf)> = layout.search().dirs().iter().map(|d| (d.place, d.dir.clone())).collect();
        assert_eq!(
            places,
            [
                (Place::PluginPathVar, layout.dir("var-a")),
                (Place::PluginPathVar, layout.dir("var-b")),
                (Place::ConfigDir, layout.dir("config")),
                (Place::UserData, layout.dir("data")),
                (Place::System, PathBuf::from(SYSTEM_DIR)),
                (Place::DevBuild, layout.dir("target/plugins")),
            ]
        );
    }

    #[test]
    fn the_first_directory_holding_the_file_wins() {
        let layout = Layout::new();
        touch(&layout.dir("target/plugins"), "x.wasm");
        assert_eq!(layout.search().find("x.wasm").unwrap().from.place, Place::DevBuild);
        touch(&layout.dir("data"), "x.wasm");
        assert_eq!(layout.search().find("x.wasm").unwrap().from.place, Place::UserData);
        touch(&layout.dir("config"), "x.wasm");
        assert_eq!(layout.search().find("x.wasm").unwrap().from.place, Place::ConfigDir);
        let path = touch(&layout.dir("var-b"), "x.wasm");
        assert_eq!(layout.search().find("x.wasm").unwrap(), Found { path, from: layout.search().dirs()[1].clone() });
    }

    #[test]
    fn a_binary_outside_a_cargo_target_dir_has_no_dev_entry() {
        let layout = Layout::new();
        touch(&layout.dir("root/plugins"), "x.wasm");
        let search = SearchPath::new(None, None, None, Some(layout.dir("root/bin/mtv-host")));
        assert_eq!(search.dirs().iter().map(|d| d.place).collect::<Vec<_>>(), [Place::System]);
        assert!(search.find("x.wasm").is_err());
    }

    #[test]
    fn not_found_names_the_file_every_directory_and_the_fixes() {
        let layout = Layout::new();
        let message = layout.search().find("jira.wasm").unwrap_err().to_string();
        for dir in ["var-a", "var-b", "config", "data", "target/plugins"] {
            assert!(message.contains(&layout.dir(dir).display().to_string()), "{dir} in {message}");
        }
        for part in ["jira.wasm was not found", SYSTEM_DIR, "cargo xtask plugins", PLUGIN_PATH_VAR, "[[plugins]] entry named 'jira'"] {
            assert!(message.contains(part), "{part} in {message}");
        }
        let unset = SearchPath::new(None, None, None, None).find("jira.wasm").unwrap_err().to_string();
        assert!(unset.contains("MTV_HOST_PLUGIN_PATH (not set)"), "{unset}");
    }

    #[test]
    fn a_name_that_is_a_path_is_never_looked_up() {
        let layout = Layout::new();
        touch(&layout.dir("var-a"), "x.wasm");
        let search = layout.search();
        for file in ["../var-a/x.wasm", "/etc/passwd.wasm", "..wasm", ".wasm"] {
            assert!(search.find(file).is_err(), "{file}");
        }
        assert!(search.find("../var-a/x.wasm").unwrap_err().to_string().contains("cannot name a component file"));
    }

    fn default(name: &str) -> DefaultPlugin {
        DefaultPlugin { spec: PluginSpec { name: name.into(), ..PluginSpec::default() }, why: format!("{name} wanted") }
    }

    fn names(choice: &Choice) -> Vec<String> {
        choice.plugins.iter().map(|c| c.spec.name.clone()).collect()
    }

    #[test]
    fn an_entry_wins_over_a_default_and_flags_narrow_both() {
        let layout = Layout::new();
        touch(&layout.dir("var-a"), "a.wasm");
        touch(&layout.dir("var-a"), "b.wasm");
        let config = RunConfig::parse(
            &layout.dir("config/mtv-host.toml"),
            "[[plugins]]\nname = \"a\"\npath = \"mine.wasm\"\n[[plugins]]\nname = \"off\"\npath = \"off.wasm\"\nenabled = false\n",
        )
        .unwrap();
        let search = layout.search();
        let choice = choose(&config, vec![default("a"), default("b")], &[], &[], &[], &search).unwrap();
        assert_eq!(names(&choice), ["a", "b"]);
        assert_eq!(choice.plugins[0].spec.path, layout.dir("config/mine.wasm"));
        assert!(matches!(choice.plugins[0].origin, Origin::Entry(_)));
        assert_eq!(choice.plugins[1].spec.path, layout.dir("var-a/b.wasm"));
        assert!(choice.plugins[1].origin.to_string().starts_with("default (b wanted), found in MTV_HOST_PLUGIN_PATH ("));

        let without_b = choose(&config, vec![default("b")], &[], &[], &["b".into()], &search).unwrap();
        assert_eq!(names(&without_b), ["a"]);
        let without_a = choose(&config, vec![default("b")], &[], &[], &["a".into()], &search).unwrap();
        assert_eq!(names(&without_a), ["b"]);
        let only_b = choose(&config, vec![default("b")], &[], &["b".into()], &[], &search).unwrap();
        assert_eq!(names(&only_b), ["b"]);
        let only_off = choose(&config, vec![default("b")], &[], &["off".into()], &[], &search).unwrap();
        assert_eq!(names(&only_off), ["off"], "--plugin loads an entry that is not enabled");
        touch(&layout.dir("var-a"), "off.wasm");
        let disabled = choose(&config, vec![default("off")], &[], &[], &[], &search).unwrap();
        assert_eq!(names(&disabled), ["a"], "an entry with enabled = false also keeps the default of its name off");
        let known = choose(&config, vec![], &["c"], &[], &["c".into()], &search).unwrap();
        assert_eq!(names(&known), ["a"]);
        let unknown = choose(&config, vec![default("b")], &["c"], &[], &["z".into()], &search).unwrap_err();
        assert!(unknown.contains("no plugin named 'z'") && unknown.contains("configured: a, off; defaults: b, c"), "{unknown}");
    }

    #[test]
    fn a_default_found_nowhere_is_reported_missing() {
        let layout = Layout::new();
        let choice = choose(&RunConfig::default(), vec![default("gone")], &[], &[], &[], &layout.search()).unwrap();
        assert!(choice.plugins.is_empty());
        assert!(choice.missing("gone").unwrap().to_string().contains("gone.wasm was not found"));
    }
}
