//! Signals: the ones that end nnviz (TERM, INT, HUP, QUIT) are noted and acted on by the
//! loops, so the terminal is given back and lines already computed are written; TSTP (and
//! Ctrl-Z) suspends the UI as vim and htop do.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

pub use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP};

/// Signals received and not yet acted on.
#[derive(Clone, Debug)]
pub struct Signals {
    /// The last ending signal's number, 0 for none.
    end: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Signals {
    /// Note `ending` signals (and TSTP when `suspend`) instead of their default action.
    pub fn install(ending: &[i32], suspend: bool) -> io::Result<Signals> {
        let s = Signals { end: Arc::new(AtomicUsize::new(0)), stop: Arc::new(AtomicBool::new(false)) };
        for &sig in ending {
            signal_hook::flag::register_usize(sig, Arc::clone(&s.end), sig as usize)?;
        }
        if suspend {
            signal_hook::flag::register(SIGTSTP, Arc::clone(&s.stop))?;
        }
        Ok(s)
    }

    /// The signals that end a run: TERM, INT, HUP and QUIT.
    pub fn ending() -> [i32; 4] {
        [SIGTERM, SIGINT, SIGHUP, SIGQUIT]
    }

    /// An ending signal received, if any (it stays set).
    pub fn ended(&self) -> Option<i32> {
        match self.end.load(Ordering::Relaxed) {
            0 => None,
            n => i32::try_from(n).ok(),
        }
    }

    /// Whether a TSTP arrived since the last call.
    pub fn take_stop(&self) -> bool {
        self.stop.swap(false, Ordering::Relaxed)
    }
}

/// Stop this process until a SIGCONT (what TSTP does by default).
pub fn stop_self() -> io::Result<()> {
    signal_hook::low_level::raise(signal_hook::consts::SIGSTOP)
}
