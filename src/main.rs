use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = mptutor::cli::Cli::parse();
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
            eprintln!("mptutor: {error:#}");
            ExitCode::from(1)
        }
    }
}
