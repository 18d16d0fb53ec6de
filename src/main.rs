use std::process::ExitCode;

fn main() -> ExitCode {
    maverics_krm::cli::main()
}
