//! Confinement of file paths given by clients to configured root directories
//! (`--data-root` for `data_source`, `--output-root` for `output_path`).
//!
//! A path is accepted only when it lies inside a root both lexically (after resolving
//! `.` and `..` without touching the disk) and after canonicalization (which resolves
//! symbolic links), comparing whole path components. The lexical check comes first,
//! so a path outside every root is refused the same way whether it exists or not: the
//! server is no oracle for files elsewhere. URLs are refused. Relative paths start at
//! the first root.
//!
//! svmq's home (the store, the models, the configuration) is excluded from every root
//! ([`Roots::excluding`]): the default roots (the working directory) contain the
//! default home (`svmq-data` there), and a client must not read another user's model
//! or overwrite the store through `data_source` or `output_path`. The exclusion is
//! checked like a root, by components, lexically and after canonicalization, so a
//! symbolic link into the home is refused too. A root inside the home is refused when
//! the server starts. The token file is excluded the same way ([`Roots::excluding_file`],
//! also by device and inode, so a hard link to it is refused): the default root, the
//! working directory, is where it usually lies.
//!
//! Messages name no absolute path of the server: paths inside a root are shown
//! relative to it ([`Roots::redact`]), roots by their last component.
//!
//! What it does not do: hold the file open. A file swapped for a symbolic link after
//! the check is read by the worker later; the roots' owner controls what they contain.

use crate::error::ToolError;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

/// A set of root directories, each kept as given (made absolute) and canonical.
#[derive(Debug, Clone)]
pub struct Roots {
    /// `(absolute as given, canonical)` for each root.
    dirs: Vec<(PathBuf, PathBuf)>,
    /// `(absolute, canonical)` of directories no path may reach though a root holds
    /// them: svmq's home.
    excluded: Vec<(PathBuf, PathBuf)>,
    /// `(absolute, canonical)` of single files no path may reach (the token file),
    /// and their `(device, inode)` so that a hard link to one is refused too.
    private_files: Vec<(PathBuf, PathBuf)>,
    private_inodes: Vec<(u64, u64)>,
}

/// The refusal of a path into svmq's home.
const INSIDE_HOME: &str = "is inside svmq's home directory, which data and output paths may not reach; use a file elsewhere inside the allowed directories";

/// The refusal of a path to one of the server's private files.
const PRIVATE_FILE: &str = "is one of the server's private files (its token file), which data and output paths may not reach";

impl Roots {
    /// Roots from directories that must exist. `current_dir` makes relative ones
    /// absolute.
    pub fn new(dirs: &[PathBuf], current_dir: &Path) -> Result<Roots, String> {
        if dirs.is_empty() {
            return Err("at least one root directory is needed".into());
        }
        let mut resolved = Vec::with_capacity(dirs.len());
        for dir in dirs {
            let absolute = normalize(&current_dir.join(dir));
            let canonical = std::fs::canonicalize(&absolute)
                .map_err(|error| format!("root directory {}: {error}", dir.display()))?;
            if !canonical.is_dir() {
                return Err(format!("root {} is not a directory", dir.display()));
            }
            resolved.push((absolute, canonical));
        }
        Ok(Roots {
            dirs: resolved,
            excluded: Vec::new(),
            private_files: Vec::new(),
            private_inodes: Vec::new(),
        })
    }

    /// The same roots with `home` (svmq's home directory) out of their reach. A root
    /// inside the home is refused: nothing in it could be reached.
    pub fn excluding(mut self, home: &Path, current_dir: &Path) -> Result<Roots, String> {
        let absolute = normalize(&current_dir.join(home));
        // The home exists once the store is open; if not yet, its path as given.
        let canonical = std::fs::canonicalize(&absolute).unwrap_or_else(|_| absolute.clone());
        for (root, root_canonical) in &self.dirs {
            if root.starts_with(&absolute)
                || root.starts_with(&canonical)
                || root_canonical.starts_with(&canonical)
            {
                return Err(format!(
                    "the root {} lies inside svmq's home directory {}, which holds the store and the models and which data and output paths may not reach; choose a directory outside the home",
                    root.display(),
                    absolute.display()
                ));
            }
        }
        self.excluded.push((absolute, canonical));
        Ok(self)
    }

    /// The same roots with one more file out of their reach (such as the token file,
    /// which a root may well contain).
    pub fn excluding_file(mut self, file: &Path, current_dir: &Path) -> Roots {
        let absolute = normalize(&current_dir.join(file));
        let canonical = std::fs::canonicalize(&absolute).unwrap_or_else(|_| absolute.clone());
        if let Ok(metadata) = std::fs::metadata(&canonical) {
            self.private_inodes.push((metadata.dev(), metadata.ino()));
        }
        self.private_files.push((absolute, canonical));
        self
    }

    /// Why `path` may not be reached though it lies in a root, if so.
    fn exclusion(&self, path: &Path) -> Option<&'static str> {
        if self
            .excluded
            .iter()
            .any(|(absolute, canonical)| path.starts_with(absolute) || path.starts_with(canonical))
        {
            return Some(INSIDE_HOME);
        }
        let named = self
            .private_files
            .iter()
            .any(|(absolute, canonical)| path == absolute || path == canonical);
        let linked = !self.private_inodes.is_empty()
            && std::fs::metadata(path).is_ok_and(|metadata| {
                self.private_inodes
                    .contains(&(metadata.dev(), metadata.ino()))
            });
        (named || linked).then_some(PRIVATE_FILE)
    }

    /// A message with every absolute path of a root shown relative to it (the root
    /// itself as `.`), and the home's as `<home>`, so no error tells a client where
    /// the server keeps its files.
    pub fn redact(&self, message: &str) -> String {
        let mut prefixes: Vec<(String, &str)> = Vec::new();
        for (absolute, canonical) in &self.excluded {
            prefixes.push((absolute.display().to_string(), "<home>"));
            prefixes.push((canonical.display().to_string(), "<home>"));
        }
        for (absolute, canonical) in &self.dirs {
            prefixes.push((absolute.display().to_string(), "."));
            prefixes.push((canonical.display().to_string(), "."));
        }
        // The longest first, so a root inside another is shown relative to itself.
        prefixes.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        let mut redacted = message.to_string();
        for (prefix, shown) in prefixes {
            if prefix == "/" {
                continue;
            }
            redacted = redacted
                .replace(
                    &format!("{prefix}/"),
                    if shown == "." { "" } else { "<home>/" },
                )
                .replace(&prefix, shown);
        }
        redacted
    }

    /// The canonical root directories.
    pub fn dirs(&self) -> impl Iterator<Item = &Path> {
        self.dirs.iter().map(|(_, canonical)| canonical.as_path())
    }

    /// The roots by their last component: enough to recognise them, nothing of where
    /// they are on the server.
    fn describe(&self) -> String {
        self.dirs()
            .map(|dir| match dir.file_name() {
                Some(name) => format!("`{}`", name.to_string_lossy()),
                None => "`/`".to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn lexically_inside(&self, path: &Path) -> bool {
        self.dirs
            .iter()
            .any(|(absolute, canonical)| path.starts_with(absolute) || path.starts_with(canonical))
    }

    fn canonically_inside(&self, path: &Path) -> bool {
        self.dirs
            .iter()
            .any(|(_, canonical)| path.starts_with(canonical))
    }

    /// The absolute path a client's text names, refused when it is not a plain path
    /// inside a root.
    fn candidate(&self, parameter: &str, text: &str) -> Result<PathBuf, ToolError> {
        if text.trim().is_empty() {
            return Err(ToolError::invalid(format!(
                "{parameter} is empty; give the path of a file inside {}",
                self.describe()
            )));
        }
        if text.contains('\0') {
            return Err(ToolError::invalid(format!(
                "{parameter} contains a NUL character; give a plain file path"
            )));
        }
        if looks_like_url(text) {
            return Err(ToolError::invalid(format!(
                "{parameter} must be a file path, not a URL; put the file inside {} and give its path",
                self.describe()
            )));
        }
        let first_root = &self.dirs[0].0;
        let candidate = normalize(&first_root.join(text));
        if !self.lexically_inside(&candidate) {
            return Err(ToolError::invalid(format!(
                "{parameter} {text:?} is outside the allowed directories ({}); relative paths start at the first",
                self.describe(),
            )));
        }
        if let Some(reason) = self.exclusion(&candidate) {
            return Err(ToolError::invalid(format!("{parameter} {text:?} {reason}")));
        }
        Ok(candidate)
    }

    /// An existing regular file inside a root, canonical.
    pub fn resolve_input(&self, parameter: &str, text: &str) -> Result<PathBuf, ToolError> {
        let candidate = self.candidate(parameter, text)?;
        let canonical = std::fs::canonicalize(&candidate).map_err(|error| {
            if error.kind() == std::io::ErrorKind::NotFound {
                ToolError::invalid(format!(
                    "{parameter}: no file at {text:?} (relative paths start at the first allowed directory, {})",
                    self.describe()
                ))
            } else {
                ToolError::invalid(format!(
                    "{parameter}: cannot open {text:?}: {}",
                    self.redact(&error.to_string())
                ))
            }
        })?;
        if !self.canonically_inside(&canonical) {
            return Err(ToolError::invalid(format!(
                "{parameter} {text:?} leads outside the allowed directories ({}) through a symbolic link; give a file that is really inside them",
                self.describe()
            )));
        }
        if let Some(reason) = self.exclusion(&canonical) {
            return Err(ToolError::invalid(format!("{parameter} {text:?} {reason}")));
        }
        if !canonical.is_file() {
            return Err(ToolError::invalid(format!(
                "{parameter} {text:?} is not a regular file; give a data file's path"
            )));
        }
        Ok(canonical)
    }

    /// A file to write inside a root: its directory must exist inside a root, and the
    /// path must not be a directory or a symbolic link.
    pub fn resolve_output(&self, parameter: &str, text: &str) -> Result<PathBuf, ToolError> {
        let candidate = self.candidate(parameter, text)?;
        if candidate.is_dir() || text.ends_with('/') {
            return Err(ToolError::invalid(format!(
                "{parameter} {text:?} is a directory; give the path of a file to write, such as predictions.csv"
            )));
        }
        let (Some(parent), Some(name)) = (candidate.parent(), candidate.file_name()) else {
            return Err(ToolError::invalid(format!(
                "{parameter} {text:?} names no file; give a file path such as predictions.csv"
            )));
        };
        let parent = std::fs::canonicalize(parent).map_err(|_| {
            ToolError::invalid(format!(
                "{parameter}: the directory of {text:?} does not exist; create it first or write elsewhere inside {}",
                self.describe()
            ))
        })?;
        if !self.canonically_inside(&parent) {
            return Err(ToolError::invalid(format!(
                "{parameter} {text:?} leads outside the allowed directories ({}) through a symbolic link",
                self.describe()
            )));
        }
        let path = parent.join(name);
        if let Some(reason) = self.exclusion(&path) {
            return Err(ToolError::invalid(format!("{parameter} {text:?} {reason}")));
        }
        if let Ok(metadata) = std::fs::symlink_metadata(&path) {
            if metadata.file_type().is_symlink() || metadata.is_dir() {
                return Err(ToolError::invalid(format!(
                    "{parameter} {text:?} is a directory or a symbolic link; give a new or regular file's path"
                )));
            }
        }
        Ok(path)
    }
}

/// `scheme:` followed by `//`, or a `file:` prefix. (A Windows drive letter has a
/// one-letter scheme and is not a URL.)
fn looks_like_url(text: &str) -> bool {
    let lower = text.trim_start().to_ascii_lowercase();
    if lower.starts_with("file:") {
        return true;
    }
    match lower.find("://") {
        Some(index) if index > 1 => lower[..index]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')),
        _ => false,
    }
}

/// Resolves `.` and `..` without touching the disk (`..` at the root stays there).
fn normalize(path: &Path) -> PathBuf {
    let mut normalized = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                normalized.pop();
            }
            other => normalized.push(other.as_os_str()),
        }
    }
    normalized
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temporary directory, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir =
                std::env::temp_dir().join(format!("svmq-mcp-roots-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(std::fs::canonicalize(&dir).unwrap())
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn setup(name: &str) -> (Scratch, Roots) {
        let scratch = Scratch::new(name);
        let root = scratch.0.join("root");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("data.csv"), "a,b\n1,2\n").unwrap();
        std::fs::write(root.join("sub/inner.csv"), "a,b\n1,2\n").unwrap();
        std::fs::write(scratch.0.join("secret.csv"), "a,b\n1,2\n").unwrap();
        let roots = Roots::new(&[root], Path::new("/")).unwrap();
        (scratch, roots)
    }

    fn message(result: Result<PathBuf, ToolError>) -> String {
        result.unwrap_err().to_string()
    }

    #[test]
    fn files_inside_the_root_resolve_to_canonical_paths() {
        let (scratch, roots) = setup("inside");
        let root = scratch.0.join("root");
        assert_eq!(
            roots.resolve_input("data_source", "data.csv").unwrap(),
            root.join("data.csv")
        );
        assert_eq!(
            roots
                .resolve_input("data_source", "sub/../sub/./inner.csv")
                .unwrap(),
            root.join("sub/inner.csv")
        );
        let absolute = root.join("data.csv").display().to_string();
        assert!(roots.resolve_input("data_source", &absolute).is_ok());
    }

    #[test]
    fn parent_escapes_and_absolute_paths_outside_are_refused_alike() {
        let (scratch, roots) = setup("outside");
        let outside_existing = scratch.0.join("secret.csv").display().to_string();
        for text in [
            "../secret.csv",
            "../../etc/passwd",
            "../missing.csv",
            outside_existing.as_str(),
            "/etc/passwd",
        ] {
            let text_message = message(roots.resolve_input("data_source", text));
            assert!(
                text_message.contains("outside the allowed directories"),
                "{text}: {text_message}"
            );
        }
    }

    #[test]
    fn a_root_named_by_a_prefix_is_not_a_parent() {
        let (scratch, roots) = setup("prefix");
        std::fs::create_dir_all(scratch.0.join("root-other")).unwrap();
        std::fs::write(scratch.0.join("root-other/x.csv"), "a\n1\n").unwrap();
        let text = scratch.0.join("root-other/x.csv").display().to_string();
        assert!(message(roots.resolve_input("data_source", &text)).contains("outside"));
    }

    #[test]
    fn symlink_escapes_are_refused() {
        let (scratch, roots) = setup("symlink");
        let root = scratch.0.join("root");
        std::os::unix::fs::symlink(scratch.0.join("secret.csv"), root.join("link.csv")).unwrap();
        std::os::unix::fs::symlink(&scratch.0, root.join("up")).unwrap();
        assert!(message(roots.resolve_input("data_source", "link.csv")).contains("symbolic link"));
        assert!(
            message(roots.resolve_input("data_source", "up/secret.csv")).contains("symbolic link")
        );
        assert!(
            message(roots.resolve_output("output_path", "up/out.csv")).contains("symbolic link")
        );
        assert!(message(roots.resolve_output("output_path", "link.csv")).contains("symbolic link"));
    }

    #[test]
    fn urls_empty_paths_directories_and_missing_files_are_refused() {
        let (_scratch, roots) = setup("misc");
        for url in [
            "http://example.com/x.csv",
            "file:///etc/passwd",
            "s3://bucket/x",
        ] {
            assert!(message(roots.resolve_input("data_source", url)).contains("not a URL"));
        }
        assert!(message(roots.resolve_input("data_source", " ")).contains("empty"));
        assert!(message(roots.resolve_input("data_source", "sub")).contains("not a regular file"));
        assert!(message(roots.resolve_input("data_source", "nope.csv")).contains("no file"));
    }

    #[test]
    fn outputs_go_to_new_or_regular_files_in_existing_directories() {
        let (scratch, roots) = setup("output");
        let root = scratch.0.join("root");
        assert_eq!(
            roots.resolve_output("output_path", "sub/out.csv").unwrap(),
            root.join("sub/out.csv")
        );
        assert!(roots.resolve_output("output_path", "data.csv").is_ok());
        assert!(
            message(roots.resolve_output("output_path", "nodir/out.csv"))
                .contains("does not exist")
        );
        assert!(message(roots.resolve_output("output_path", "sub")).contains("directory"));
        assert!(message(roots.resolve_output("output_path", "../out.csv")).contains("outside"));
    }
}
