//! What `next` says on leaving a lesson with questions never answered,
//! and the summary of the whole course after its last step.

use super::Session;
use crate::course::LessonIndex;
use crate::render;

impl Session {
    /// Leaving lesson `lesson` by `next` with questions never answered:
    /// how many, where, and how to answer them. Nothing in instructor
    /// mode, which keeps no answers.
    pub(super) fn unanswered_note(&self, lesson: LessonIndex) -> Option<String> {
        if self.presenting {
            return None;
        }
        let shown = self.course.lesson(lesson);
        let saved = self.saved().and_then(|saved| saved.lessons.get(&shown.id));
        let mut steps: Vec<usize> = shown
            .quizzes()
            .enumerate()
            .filter(|(index, _)| {
                let number = index + 1;
                !saved.is_some_and(|saved| {
                    saved.right.contains(&number) || saved.wrong.contains(&number)
                })
            })
            .map(|(_, (step, _))| step + 1)
            .collect();
        let count = steps.len();
        steps.dedup();
        let first = *steps.first()?;
        let listed = crate::findings::words::and_list(
            &steps.iter().map(ToString::to_string).collect::<Vec<_>>(),
        );
        let (questions, step_word) = match (count, steps.len()) {
            (1, _) => ("1 question".to_string(), "step"),
            (n, 1) => (format!("{n} questions"), "step"),
            (n, _) => (format!("{n} questions"), "steps"),
        };
        Some(render::render_markdown(
            &format!(
                "**{questions} of {id} not answered yet** ({step_word} {listed}): `goto {id} \
                 {first}`, then `quiz`; or `quiz all` at any step of {id}.",
                id = shown.id
            ),
            &self.options,
        ))
    }

    /// `next` past the course's last step: the summary of every lesson.
    pub(super) fn course_finished(&self) -> String {
        let done = render::render_markdown(
            "**That was the last step of the course.** How it went, lesson by lesson:",
            &self.options,
        );
        if self.presenting {
            return render::render_markdown(
                "That was the last step of the course. Instructor mode keeps no answers, so \
                 there is no summary of them; `list` shows every lesson, `quit` leaves.",
                &self.options,
            );
        }
        let summary = render::render_course_summary(&self.course, self.saved(), &self.options);
        format!(
            "{done}\n\n{summary}\n\n{}",
            render::render_markdown("`list` shows every lesson; `quit` leaves.", &self.options)
        )
    }
}
