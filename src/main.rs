use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match mptutor::cli::Cli::parse_args() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match mptutor::run(cli) {
        Ok(code) => code,
        Err(error) => {
            // `mptutor show q1 | head` closing the pipe early is not a failure.
            let broken_pipe = error
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe);
            if broken_pipe {
                return ExitCode::SUCCESS;
            }
            // An error may quote a path or a line of a course.
            let message = format!("mptutor: {error:#}");
            eprintln!("{}", mptutor::render::terminal_safe(&message, false));
            ExitCode::from(1)
        }
    }
}
