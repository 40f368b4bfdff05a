//! The `edge-shield` command: checks policies and the manifests that carry them, explains decisions,
//! and prints the configuration's JSON Schema — with the filter's own core, natively
//! (docs/cli.md).

use clap::{Parser, Subcommand};
use edge_shield_cli::{check_text, explain, find, SCHEMA};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "edge-shield",
    version,
    about = "Check and explain edge-shield policies without starting Envoy"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Check policy files (JSON or YAML), whole Envoy configs, Istio WasmPlugin and Envoy
    /// Gateway EnvoyExtensionPolicy manifests: every edge-shield configuration in them
    /// gets the filter's own errors and warnings. Exit status 1 on any error.
    Check {
        #[arg(required = true)]
        files: Vec<String>,
        /// Print only errors and warnings.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Explain what the filter does with one request: the policy chosen and why, the
    /// decision and its reason, and the exact local reply or response header edits.
    Explain {
        file: String,
        /// 'METHOD PATH', e.g. 'OPTIONS /api/items'.
        #[arg(long)]
        request: String,
        /// A request header, 'name: value' (repeatable, order kept).
        #[arg(short = 'H', long = "header")]
        headers: Vec<String>,
        /// Envoy's route name (`xds.route_name`), for `route_name` rules; in an Envoy
        /// config, that route's (and its virtual host's) metadata policy is used too.
        #[arg(long)]
        route_name: Option<String>,
        /// The policy named in the route's metadata (filter_metadata.edge-shield.policy).
        #[arg(long)]
        route_policy: Option<String>,
        /// The policy named in the virtual host's metadata.
        #[arg(long)]
        virtual_host_policy: Option<String>,
        #[arg(long, default_value = "localhost")]
        authority: String,
        #[arg(long, default_value = "https")]
        scheme: String,
        /// The upstream's status when the request is forwarded.
        #[arg(long, default_value_t = 200)]
        status: u16,
        /// An upstream response header, 'name: value' (repeatable).
        #[arg(long = "response-header")]
        response_headers: Vec<String>,
        /// Which configuration of the file, when it holds several (1 = the first).
        #[arg(long, default_value_t = 1)]
        index: usize,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Print the JSON Schema of the configuration.
    Schema,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Check { files, quiet } => check(&files, quiet),
        Command::Explain {
            file,
            request,
            headers,
            route_name,
            route_policy,
            virtual_host_policy,
            authority,
            scheme,
            status,
            response_headers,
            index,
            json,
        } => {
            let mut exchange = match exchange(
                &request,
                &headers,
                route_name,
                authority,
                scheme,
                status,
                &response_headers,
            ) {
                Ok(e) => e,
                Err(e) => return fail(&e),
            };
            exchange.route_policy = route_policy;
            exchange.virtual_host_policy = virtual_host_policy;
            explain_file(&file, index, &exchange, json)
        }
        Command::Schema => {
            write_out(SCHEMA);
            ExitCode::SUCCESS
        }
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth a panic.
fn write_out(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn fail(message: &str) -> ExitCode {
    eprintln!("edge-shield: {message}");
    ExitCode::from(2)
}

fn check(files: &[String], quiet: bool) -> ExitCode {
    let mut failed = false;
    for file in files {
        let (lines, bad) = match std::fs::read_to_string(file) {
            Ok(text) => check_text(file, &text),
            Err(e) => (vec![format!("{file}: cannot read: {e}")], true),
        };
        failed |= bad;
        for l in lines {
            if !(quiet && l.contains(": ok: policies ")) {
                write_out(&format!("{l}\n"));
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn header_line(line: &str) -> Result<(String, Vec<u8>), String> {
    match line.split_once(':') {
        Some((n, v)) if !n.trim().is_empty() => Ok((n.trim().to_ascii_lowercase(), v.trim_start().as_bytes().to_vec())),
        _ => Err(format!("{line:?}: a header is 'name: value'")),
    }
}

fn exchange(
    request: &str,
    headers: &[String],
    route_name: Option<String>,
    authority: String,
    scheme: String,
    status: u16,
    response_headers: &[String],
) -> Result<explain::Exchange, String> {
    let Some((method, path)) = request.trim().split_once(' ') else {
        return Err(format!(
            "--request {request:?}: write 'METHOD PATH', as in 'OPTIONS /api/items'"
        ));
    };
    Ok(explain::Exchange {
        method: method.to_string(),
        path: path.trim().to_string(),
        authority,
        scheme,
        route_name,
        route_policy: None,
        virtual_host_policy: None,
        headers: headers.iter().map(|h| header_line(h)).collect::<Result<_, _>>()?,
        status,
        response_headers: response_headers
            .iter()
            .map(|h| header_line(h))
            .collect::<Result<_, _>>()?,
    })
}

fn explain_file(file: &str, index: usize, exchange: &explain::Exchange, json: bool) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => return fail(&format!("{file}: cannot read: {e}")),
    };
    let found = match find::find(&text) {
        Ok(f) => f,
        Err(e) => return fail(&format!("{file}: {e}")),
    };
    let Some(f) = index.checked_sub(1).and_then(|i| found.get(i)) else {
        return fail(&format!(
            "{file}: has {} edge-shield configuration(s), not a number {index}",
            found.len()
        ));
    };
    let config = match f.bytes.as_deref().map(edge_shield::config::load) {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return fail(&format!("{file}: {}: {e}", f.location)),
        Err(e) => return fail(&format!("{file}: {}: {e}", f.location)),
    };
    // The route's own metadata, from the file, unless given on the command line.
    let mut exchange = exchange.clone();
    if exchange.route_policy.is_none() && exchange.virtual_host_policy.is_none() {
        if let Some(r) = find::route_metadata(&text)
            .into_iter()
            .find(|r| r.route_name.is_some() && r.route_name == exchange.route_name)
        {
            exchange.route_policy = r.route_policy;
            exchange.virtual_host_policy = r.virtual_host_policy;
        }
    }
    let mut e = explain::explain(&config, &exchange);
    e["configuration"] = serde_json::json!(format!("{file}: {}", f.location));
    if json {
        write_out(&format!("{}\n", serde_json::to_string_pretty(&e).unwrap_or_default()));
    } else {
        if found.len() > 1 {
            write_out(&format!(
                "configuration: {file}: {} ({index} of {})\n",
                f.location,
                found.len()
            ));
        }
        write_out(&explain::render(&e));
    }
    ExitCode::SUCCESS
}
