//! The terminal is always given back: signals sent to the UI, and Ctrl-Z / SIGTSTP, driven
//! through a real pseudo-terminal in tmux (`.ci/run` installs it; skipped with a message
//! where it is missing).
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// One nnviz UI in its own tmux server (a socket per test, so tests run in parallel).
struct Session {
    socket: String,
}

impl Session {
    fn start(name: &str) -> Option<Session> {
        Session::start_with(name, "", "zero_w2")
    }

    /// nnviz with `args` (shell words, after the binary), with `env` (`NAME=value …`) set.
    fn start_with(name: &str, env: &str, args: &str) -> Option<Session> {
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!("skipped: tmux is not installed");
            return None;
        }
        let socket = format!("nnviz-test-{}-{name}", std::process::id());
        let s = Session { socket };
        let cmd = format!("sh -c 'env {env} {} {args}; echo exit=$?; sleep 30'", env!("CARGO_BIN_EXE_nnviz"));
        assert!(s.tmux(&["new-session", "-d", "-x", "100", "-y", "30", &cmd]).status.success());
        s.wait_for(|s| s.format("#{alternate_on}") == "1", "the UI to open");
        Some(s)
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().unwrap()
    }

    fn format(&self, f: &str) -> String {
        String::from_utf8_lossy(&self.tmux(&["display", "-p", f]).stdout).trim().to_string()
    }

    fn pid(&self) -> String {
        let shell = self.format("#{pane_pid}");
        let o = Command::new("pgrep").args(["-P", &shell, "-x", "nnviz"]).output().unwrap();
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }

    /// The terminal's modes as `stty` sees them from outside.
    fn stty(&self) -> String {
        let tty = self.format("#{pane_tty}");
        let f = std::fs::File::open(&tty).unwrap();
        let o = Command::new("stty").arg("-a").stdin(f).output().unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p"]).stdout).into_owned()
    }

    fn wait_for(&self, ok: impl Fn(&Session) -> bool, what: &str) {
        let start = Instant::now();
        while !ok(self) {
            assert!(start.elapsed() < Duration::from_secs(10), "waited 10 s for {what}:\n{}", self.screen());
            sleep(Duration::from_millis(50));
        }
    }

    /// Raw mode off, main screen, cursor shown, mouse tracking off.
    fn assert_given_back(&self, when: &str) {
        let stty = self.stty();
        let modes: Vec<&str> = stty.split_whitespace().collect();
        for m in ["icanon", "echo", "isig", "opost"] {
            assert!(modes.contains(&m), "{when}: {m} missing from stty: {stty}");
        }
        assert_eq!(self.format("#{alternate_on}"), "0", "{when}: still on the alternate screen");
        assert_eq!(self.format("#{cursor_flag}"), "1", "{when}: cursor hidden");
        assert_eq!(self.format("#{mouse_any_flag}"), "0", "{when}: mouse tracking on");
    }

    fn assert_taken(&self, when: &str) {
        assert!(self.stty().split_whitespace().any(|m| m == "-icanon"), "{when}: not in raw mode");
        assert_eq!(self.format("#{alternate_on}"), "1", "{when}: not on the alternate screen");
        assert_eq!(self.format("#{mouse_any_flag}"), "1", "{when}: mouse capture off");
    }

    fn kill(&self, sig: &str, pid: &str) {
        assert!(Command::new("kill").args([&format!("-{sig}"), pid]).status().unwrap().success());
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

#[test]
fn ending_signals_restore_the_terminal_and_exit_128_plus_n() {
    let cases = [("TERM", 15), ("INT", 2), ("HUP", 1), ("QUIT", 3)];
    let handles: Vec<_> = cases
        .into_iter()
        .map(|(sig, n)| {
            std::thread::spawn(move || {
                let Some(s) = Session::start(&sig.to_lowercase()) else { return };
                let pid = s.pid();
                s.kill(sig, &pid);
                let want = format!("exit={}", 128 + n);
                s.wait_for(|s| s.screen().contains("exit="), "nnviz to exit");
                assert!(s.screen().contains(&want), "SIG{sig}: {}", s.screen());
                s.assert_given_back(&format!("after SIG{sig}"));
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn ctrl_z_and_sigtstp_suspend_and_sigcont_resumes() {
    let Some(s) = Session::start("tstp") else { return };
    let pid = s.pid();
    let stopped = |s: &Session| {
        let o = Command::new("ps").args(["-o", "stat=", "-p", &pid]).output().unwrap();
        String::from_utf8_lossy(&o.stdout).starts_with('T') && s.format("#{alternate_on}") == "0"
    };
    let running = |s: &Session| s.format("#{alternate_on}") == "1" && s.screen().contains("zero_w2");
    s.kill("TSTP", &pid);
    s.wait_for(stopped, "SIGTSTP to stop nnviz");
    s.assert_given_back("stopped by SIGTSTP");
    s.kill("CONT", &pid);
    s.wait_for(running, "SIGCONT to bring the UI back");
    s.assert_taken("after SIGCONT");
    assert!(s.screen().contains("Frozen"), "everything redrawn:\n{}", s.screen());
    s.tmux(&["send-keys", "C-z"]);
    s.wait_for(stopped, "Ctrl-Z to stop nnviz");
    s.assert_given_back("stopped by Ctrl-Z");
    s.kill("CONT", &pid);
    s.wait_for(running, "SIGCONT after Ctrl-Z");
    s.tmux(&["send-keys", "q"]);
    s.wait_for(|s| s.screen().contains("exit="), "q to quit");
    assert!(s.screen().contains("exit=0"), "{}", s.screen());
    s.assert_given_back("after q");
}

#[test]
fn closing_the_terminal_ends_nnviz() {
    let Some(s) = Session::start("hup") else { return };
    let pid = s.pid();
    // The pane goes away: SIGHUP, and a terminal that reads as hung up.
    s.tmux(&["kill-server"]);
    let start = Instant::now();
    let alive = || Command::new("kill").args(["-0", &pid]).status().is_ok_and(|st| st.success());
    while alive() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "nnviz {pid} still runs after its terminal closed"
        );
        sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_tour_keeps_its_place_in_the_state_folder() {
    let state = tempfile::tempdir().unwrap();
    let env = format!("XDG_STATE_HOME={}", state.path().display());
    let run = |name: &str| Session::start_with(name, &env, "--lecture");
    let Some(s) = run("tour1") else { return };
    s.wait_for(|s| s.screen().contains("lesson 1 of 15"), "lesson 1 in the footer");
    s.tmux(&["send-keys", ">"]);
    s.wait_for(|s| s.screen().contains("lesson 2 of 15"), "lesson 2");
    s.tmux(&["send-keys", "q"]);
    s.wait_for(|s| s.screen().contains("exit=0"), "nnviz to quit");
    let saved = std::fs::read_to_string(state.path().join("nnviz/lecture.json")).unwrap();
    assert!(saved.contains("\"bundled\": \"backprop\""), "{saved}");
    let Some(s) = run("tour2") else { return };
    s.wait_for(|s| s.screen().contains("Resume the tour?"), "the question");
    s.tmux(&["send-keys", "y"]);
    s.wait_for(|s| s.screen().contains("lesson 2 of 15"), "lesson 2 again");
    s.tmux(&["send-keys", "q"]);
    s.wait_for(|s| s.screen().contains("exit=0"), "nnviz to quit");
}
