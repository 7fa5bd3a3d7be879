//! `review`: the questions already come across (in a step seen, or in a
//! quiz), asked again spaced out over sessions, Leitner-style. A question answered right in review goes
//! up a box and comes back in a later session; right twice in a row it is
//! learned and drops out; answered wrong (in review or in a quiz) it comes
//! back at the next review. Each is asked at most once per session, with
//! its choices shuffled, so what counts is knowing the answer, not its
//! letter.

use super::quiz::{Asked, QuizKind, QuizRun};
use super::{Pending, Reply, Session};
use crate::course::LessonIndex;
use crate::progress::{CourseProgress, LEARNED_STREAK};
use crate::render;

/// Why a question is due for review, in the order they are asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Due {
    /// Its latest answer, in a quiz or a review, was wrong.
    Wrong,
    /// Right once in review: once more, in a later session, and it drops out.
    Confirm,
    /// Answered wrong in its last review, right since only in a quiz.
    NotYetRight,
    /// Never answered in review.
    NotReviewed,
}

/// Why a question of a seen step is not due now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NotDue {
    /// Right twice in a row in review.
    Learned,
    /// Answered in review earlier in this session.
    ReviewedThisSession,
}

/// Whether question `question` of lesson `id` is due in review session
/// `session`, and why.
fn due(saved: &CourseProgress, id: &str, question: usize, session: u64) -> Result<Due, NotDue> {
    let wrong = saved
        .lessons
        .get(id)
        .is_some_and(|lesson| lesson.wrong.contains(&question));
    match saved.review_box(id, question) {
        Some(spaced) if spaced.session >= session => Err(NotDue::ReviewedThisSession),
        _ if wrong => Ok(Due::Wrong),
        None => Ok(Due::NotReviewed),
        Some(spaced) if spaced.streak >= LEARNED_STREAK => Err(NotDue::Learned),
        Some(spaced) if spaced.streak == 0 => Ok(Due::NotYetRight),
        Some(_) => Ok(Due::Confirm),
    }
}

impl Session {
    /// This session's number among the sessions that answered a review
    /// question: fixed at the first `review`, one more than any saved.
    fn review_session(&mut self) -> u64 {
        if let Some(session) = self.review_session {
            return session;
        }
        let session = self.saved().map_or(0, |saved| saved.review_sessions) + 1;
        self.review_session = Some(session);
        session
    }

    pub(super) fn start_review(&mut self) -> Reply {
        let session = self.review_session();
        let saved = self.saved().cloned().unwrap_or_default();
        let mut due_now: Vec<(Due, LessonIndex, usize)> = Vec::new();
        let (mut learned, mut reviewed, mut seen) = (0, 0, 0);
        for (lesson_index, lesson) in self.course.lessons.iter().enumerate() {
            let Some(progress) = saved.lessons.get(&lesson.id) else {
                continue;
            };
            for (index, (step, _)) in lesson.quizzes().enumerate() {
                let number = index + 1;
                let met = progress.steps_seen.contains(&(step + 1))
                    || progress.right.contains(&number)
                    || progress.wrong.contains(&number);
                if !met {
                    continue;
                }
                seen += 1;
                match due(&saved, &lesson.id, index + 1, session) {
                    Ok(why) => due_now.push((why, LessonIndex(lesson_index), index)),
                    Err(NotDue::Learned) => learned += 1,
                    Err(NotDue::ReviewedThisSession) => reviewed += 1,
                }
            }
        }
        if due_now.is_empty() {
            return self.say(&nothing_due(seen, learned, reviewed));
        }
        due_now.sort();
        let reasons = reasons(&due_now);
        let mut questions: Vec<Asked> = Vec::with_capacity(due_now.len());
        for (_, lesson, index) in due_now {
            let count = self
                .quiz_of(lesson, index)
                .map_or(0, |quiz| quiz.choices.len());
            let mut order: Vec<usize> = (0..count).collect();
            self.shuffle.shuffle(&mut order);
            questions.push(Asked {
                lesson,
                index,
                order,
            });
        }
        let count = questions.len();
        let run = QuizRun::new(QuizKind::Review { session }, questions);
        let intro = render::render_markdown(
            &format!(
                "{} due: {reasons}. Choices are shuffled, one try each; `stop` leaves.",
                if count == 1 {
                    "1 question".to_string()
                } else {
                    format!("{count} questions")
                }
            ),
            &self.options,
        );
        let text = format!("{intro}\n\n{}", self.ask(&run));
        self.pending = Some(Pending::Quiz(run));
        Reply::text(text)
    }
}

/// "2 answered wrong last time, 1 not yet reviewed".
fn reasons(due: &[(Due, LessonIndex, usize)]) -> String {
    let count = |kind: Due| due.iter().filter(|(why, _, _)| *why == kind).count();
    let parts: Vec<String> = [
        (Due::Wrong, "answered wrong last time"),
        (
            Due::Confirm,
            "right once in review (right again and it drops out)",
        ),
        (Due::NotYetRight, "not yet right in review"),
        (Due::NotReviewed, "not yet reviewed"),
    ]
    .into_iter()
    .filter_map(|(kind, words)| match count(kind) {
        0 => None,
        n => Some(format!("{n} {words}")),
    })
    .collect();
    parts.join(", ")
}

/// Why nothing is due.
fn nothing_due(seen: usize, learned: usize, reviewed: usize) -> String {
    if seen == 0 {
        return "Nothing to review yet: `review` asks again the questions you have come across \
                (in a step you have seen, or in a quiz). `quiz` asks the open step's."
            .to_string();
    }
    let mut why = Vec::new();
    if learned > 0 {
        why.push(format!(
            "{learned} learned (right twice in a row in review)"
        ));
    }
    if reviewed > 0 {
        why.push(format!(
            "{reviewed} already reviewed this session (they come back in your next one)"
        ));
    }
    format!(
        "Nothing due for review: of the {seen} questions you have come across, {}.",
        why.join(", ")
    )
}
