//! Accepting connections: HTTP/1.1 served by hyper under limits a slow or idle
//! client cannot outlast (issue 20, item 5).
//!
//! - A connection gets [`Limits::header_timeout`] to send a request's headers, counted
//!   from when it opened or answered its previous request: a slowloris client, or a
//!   kept-alive connection left idle, is closed after it (hyper's own header timer).
//! - A request's body must arrive within [`Limits::body_timeout`] of its headers; the
//!   handler reading it then gets an error, and the connection is closed.
//! - At most [`Limits::max_connections`] connections are open, and at most
//!   [`Limits::per_address`] from one client address: one more is closed as soon as it
//!   is accepted, so that one client cannot take the file descriptors (or the memory)
//!   everyone else needs. A refused connection costs an accept and a close.
//!
//! poem's own server has none of these (no header timer, no caps): this loop replaces
//! it and hands each request to the same poem endpoint. HTTP/2 is not offered here
//! (cleartext HTTP/2 is what a reverse proxy would speak, and its connections have no
//! header timer); behind a proxy speak HTTP/1.1 to cxpm.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use poem::http::uri::Scheme;
use poem::{Body, Endpoint, IntoResponse};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The connection limits (`CXPM_HEADER_TIMEOUT_MS`, `CXPM_BODY_TIMEOUT_MS`,
/// `CXPM_MAX_CONNECTIONS`, `CXPM_MAX_CONNECTIONS_PER_ADDRESS`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    /// 0: no cap.
    pub max_connections: usize,
    /// 0: no cap (behind a reverse proxy every connection has the proxy's address).
    pub per_address: usize,
}

/// Open connections, in all and per client address.
#[derive(Default)]
struct Open {
    counts: Mutex<(usize, HashMap<IpAddr, usize>)>,
}

/// A connection counted as open until it is dropped.
struct Admitted {
    open: Arc<Open>,
    ip: IpAddr,
}

impl Open {
    fn admit(self: &Arc<Self>, ip: IpAddr, limits: &Limits) -> Option<Admitted> {
        let mut guard = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let (total, per) = &mut *guard;
        let mine = per.get(&ip).copied().unwrap_or(0);
        if (limits.max_connections > 0 && *total >= limits.max_connections)
            || (limits.per_address > 0 && mine >= limits.per_address)
        {
            return None;
        }
        *total += 1;
        per.insert(ip, mine + 1);
        Some(Admitted {
            open: self.clone(),
            ip,
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut guard = self.open.counts.lock().unwrap_or_else(|e| e.into_inner());
        let (total, per) = &mut *guard;
        *total = total.saturating_sub(1);
        if let Some(n) = per.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                per.remove(&self.ip);
            }
        }
    }
}

/// Serves `ep` on `listener` until `shutdown` completes; then stops accepting, lets
/// the requests in flight finish (at most 10 s) and returns.
pub async fn serve<E>(
    listener: TcpListener,
    ep: E,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()>
where
    E: Endpoint + 'static,
{
    let ep = Arc::new(ep);
    let local = listener.local_addr()?;
    let open = Arc::new(Open::default());
    let tracker = TaskTracker::new();
    let stop = CancellationToken::new();
    let mut refused: u64 = 0;
    let mut last_said = tokio::time::Instant::now();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, remote) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors, say: wait a moment rather than spin.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(admitted) = open.admit(remote.ip(), &limits) else {
            drop(stream);
            refused += 1;
            if last_said.elapsed() >= Duration::from_secs(60) {
                tracing::warn!(
                    refused,
                    client = %remote.ip(),
                    "connections refused: too many open (CXPM_MAX_CONNECTIONS, CXPM_MAX_CONNECTIONS_PER_ADDRESS)"
                );
                refused = 0;
                last_said = tokio::time::Instant::now();
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        tracker.spawn(connection(
            stream,
            local,
            remote,
            ep.clone(),
            limits,
            stop.clone(),
            admitted,
        ));
    }
    stop.cancel();
    tracker.close();
    if tokio::time::timeout(Duration::from_secs(10), tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!("requests still running 10 s after the shutdown began: dropped");
    }
    Ok(())
}

async fn connection<E>(
    stream: tokio::net::TcpStream,
    local: SocketAddr,
    remote: SocketAddr,
    ep: Arc<E>,
    limits: Limits,
    stop: CancellationToken,
    _admitted: Admitted,
) where
    E: Endpoint + 'static,
{
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let ep = ep.clone();
        async move {
            // A request without a body (most are GETs) needs no deadline on it.
            let bodiless = http_body::Body::is_end_stream(req.body());
            let mut req = poem::Request::from((
                req,
                poem::web::LocalAddr(poem::Addr::SocketAddr(local)),
                poem::web::RemoteAddr(poem::Addr::SocketAddr(remote)),
                Scheme::HTTP,
            ));
            if !bodiless {
                let body = req.take_body();
                req.set_body(with_deadline(body, limits.body_timeout));
            }
            let resp = ep.get_response(req).await.into_response();
            Ok::<_, Infallible>(hyper::Response::<_>::from(resp))
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        () = stop.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// The body, failing once `limit` has passed since the request's headers.
fn with_deadline(body: Body, limit: Duration) -> Body {
    let deadline = tokio::time::Instant::now() + limit;
    let stream = body.into_bytes_stream();
    let timed = futures_util::stream::unfold(Some(stream), move |state| async move {
        let mut stream = state?;
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(item)) => Some((item, Some(stream))),
            Ok(None) => None,
            Err(_) => Some((
                Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the request's body did not arrive in time",
                )),
                None,
            )),
        }
    });
    Body::from_bytes_stream(timed.boxed())
}
