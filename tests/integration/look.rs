//! A projector-friendly look: `--theme` and the config file that
//! remembers it, `clear`, and `run view=live`.

use crate::support::{mptutor, run_guarded};

/// The config file mptutor reads for a private `home`.
fn config_file(home: &std::path::Path) -> std::path::PathBuf {
    home.join(".config").join("mptutor").join("config.toml")
}

#[test]
fn clear_in_a_script_prints_nothing_and_succeeds() {
    let home = tempfile::tempdir().expect("temporary directory");
    let output = run_guarded(
        home.path(),
        &["--color", "always"],
        "clear\nopen q6\nclear\n",
    );
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !stdout.contains("\x1b[2J") && !stdout.contains("\x1b[H"),
        "{stdout:?}"
    );
    assert!(stdout.contains("Four processes, four numbers"), "{stdout}");
    assert!(output.stderr.is_empty(), "{output:?}");
}

#[test]
fn help_mentions_clear_theme_and_ctrl_l() {
    let home = tempfile::tempdir().expect("temporary directory");
    let output = run_guarded(home.path(), &[], "help\nhelp theme\nhelp record\n");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    for words in [
        "clear",
        "theme",
        "Ctrl-L",
        "high-contrast",
        ".cast",
        ".md",
        "config.toml",
    ] {
        assert!(stdout.contains(words), "{words}: {stdout}");
    }
}

#[test]
fn the_theme_chosen_in_the_repl_is_used_next_time() {
    let home = tempfile::tempdir().expect("temporary directory");
    let output = run_guarded(home.path(), &[], "theme light\n");
    assert!(output.status.success(), "{output:?}");
    let saved = std::fs::read_to_string(config_file(home.path())).expect("config.toml");
    assert_eq!(saved.trim(), "theme = \"light\"");
    let output = run_guarded(home.path(), &[], "theme\nopen q6\n");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("The theme is `light`"), "{stdout}");
    // The flag wins over the file, for this run only.
    let output = run_guarded(home.path(), &["--theme", "high-contrast"], "theme\n");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("The theme is `high-contrast`"), "{stdout}");
    let saved = std::fs::read_to_string(config_file(home.path())).expect("config.toml");
    assert_eq!(saved.trim(), "theme = \"light\"");
}

#[test]
fn a_broken_config_file_is_reported_by_line_and_column_and_the_defaults_are_used() {
    let home = tempfile::tempdir().expect("temporary directory");
    let path = config_file(home.path());
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("mkdir");
    std::fs::write(&path, "# mine\ntheme = \"purple\"\n").expect("write");
    let output = run_guarded(home.path(), &["list"], "");
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("{}:2:9:", path.display())),
        "{stderr}"
    );
    assert!(stderr.contains("purple"), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("q6"));
}

#[test]
fn an_unknown_theme_flag_is_a_usage_error_naming_the_themes() {
    let home = tempfile::tempdir().expect("temporary directory");
    let output = mptutor(home.path())
        .args(["--theme", "neon", "list"])
        .output()
        .expect("run mptutor");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("high-contrast"), "{stderr}");
}

#[test]
fn view_live_shows_the_live_output_alone_then_the_closing_tables() {
    let home = tempfile::tempdir().expect("temporary directory");
    let prose = "Each process gets";
    let beside = run_guarded(
        home.path(),
        &["run", "q6", "workers=2", "--width", "160"],
        "",
    );
    assert!(beside.status.success(), "{beside:?}");
    let beside = String::from_utf8_lossy(&beside.stdout);
    assert!(
        beside.contains(prose),
        "the explanation is beside it: {beside}"
    );
    let alone = run_guarded(
        home.path(),
        &["run", "q6", "workers=2", "view=live", "--width", "160"],
        "",
    );
    assert!(alone.status.success(), "{alone:?}");
    let alone = String::from_utf8_lossy(&alone.stdout);
    assert!(!alone.contains(prose), "no explanation: {alone}");
    let first = alone.lines().next().unwrap_or_default();
    assert!(first.starts_with("── live output ──"), "{first:?}");
    assert_eq!(console::measure_text_width(first), 160, "{first:?}");
    // Each worker's lines start at the left edge, and the tables follow.
    assert!(
        alone
            .lines()
            .any(|line| line.starts_with("[") && line.contains("prints 10")),
        "{alone}"
    );
    assert!(alone.contains("worker"), "{alone}");
    let bad = run_guarded(home.path(), &["run", "q6", "view=wide"], "");
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("`view` is `live`"), "{stderr}");
}
