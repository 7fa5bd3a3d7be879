//! Presenter notes on a second screen.
//!
//! While a REPL presents (`present`, `mptutor --instructor`), the projected
//! screen shows the lesson without the instructor's notes, and the REPL
//! publishes where it is ([`position`]). `mptutor notes`, run in another
//! terminal (the teacher's laptop), follows that position ([`follow`]) and
//! shows the current step's notes, its quiz answers and the next step's
//! title, redrawn whenever the presenter moves.

pub mod follow;
pub mod position;

pub use follow::{NO_PRESENTER, NotesSettings, follow};
pub use position::{CourseSource, PresenterPosition, Publisher, presenters, presenting_dir};
