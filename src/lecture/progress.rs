//! Where the tour was left: `lecture.json` in the user's state folder
//! (`$XDG_STATE_HOME/nnviz`, by default `~/.local/state/nnviz`), one lesson id per lessons
//! file. A missing or unreadable file is no progress; the file is replaced whole.

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Lecture;

#[derive(Default, Serialize, Deserialize)]
struct State {
    /// Lessons file (its full path, or "bundled") → the id of the last lesson shown.
    lectures: BTreeMap<String, String>,
}

/// The state file, if the platform has a state folder.
pub fn file() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "nnviz")?;
    Some(dirs.state_dir()?.join("lecture.json"))
}

/// The name a lecture's progress is kept under.
fn key(lecture: &Lecture) -> String {
    if lecture.bundled {
        return "bundled".to_owned();
    }
    std::fs::canonicalize(&lecture.file)
        .map_or_else(|_| lecture.file.clone(), |p| p.to_string_lossy().into_owned())
}

fn read(path: &std::path::Path) -> State {
    std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

/// The index of the lesson the tour of `lecture` was left at, if one was saved and still
/// exists.
pub fn saved(lecture: &Lecture, path: &std::path::Path) -> Option<usize> {
    let id = read(path).lectures.remove(&key(lecture))?;
    lecture.lessons.iter().position(|l| l.id == id)
}

/// Remember that the tour of `lecture` is at lesson `index`.
pub fn save(lecture: &Lecture, index: usize, path: &std::path::Path) -> io::Result<()> {
    let mut state = read(path);
    state.lectures.insert(key(lecture), lecture.lessons[index].id.clone());
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_string_pretty(&state).map_err(io::Error::other)? + "\n";
    crate::files::replace(path, text.as_bytes())
}
