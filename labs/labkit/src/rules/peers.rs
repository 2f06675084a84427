//! Which rules of the trusted linters each labkit rule corresponds to, and where ours
//! is deliberately stricter. RULES.md prints it under each rule; the agreement on the
//! real-world corpus (`labs/formats/tests/corpus/`) is measured by
//! `benches/peer_agreement.py` against hadolint and checkov.

/// One rule's peers.
pub struct Peers {
    pub id: &'static str,
    /// `hadolint DL3006/DL3007`, `checkov CKV_DOCKER_7`: the rules that judge the same thing.
    pub peers: &'static str,
    /// Where labkit fails a file the peers pass, and why; empty when they agree by design.
    pub stricter: &'static str,
}

const TABLE: &[Peers] = &[
    Peers {
        id: "COMPOSE002",
        peers: "none (checkov's CKV_DOCKER_2 asks for a HEALTHCHECK in Dockerfiles only)",
        stricter: "a healthcheck that cannot fail fails (curl without -f, `|| true`, a help text). \
                   Judgement call: database probes count as probes. `mysqladmin ping` exits 1 when \
                   the server cannot be reached and 0 when it answers, even with \"Access denied\": \
                   a running server that accepts connections is what a healthcheck asks about, so \
                   `mysqladmin ping -h 127.0.0.1` (like `pg_isready -h …`, `redis-cli -h … ping`) \
                   passes; `-h` is their host, not --help",
    },
    Peers {
        id: "DF001",
        peers: "hadolint DL3006/DL3007, checkov CKV_DOCKER_7",
        stricter: "tags without a version number (`stable`, `bookworm`, `alpine`) move like `latest` and fail; \
                   a tag with any version number (`12-slim`, `1.4`) is accepted, as the peers accept it",
    },
    Peers {
        id: "DF002",
        peers: "none (hadolint DL4006 only asks for pipefail)",
        stricter: "the peers have no rule for running a download unverified",
    },
    Peers {
        id: "DF003",
        peers: "checkov CKV_DOCKER_4",
        stricter: "a URL is refused unless --checksum=sha256: pins it, also when it comes from an ARG (checkov refuses every ADD, local files too: that half is DF015)",
    },
    Peers {
        id: "DF004",
        peers: "checkov secrets (CKV_SECRET_*)",
        stricter: "also variables named like credentials (`API_TOKEN=…`), and tokens written by RUN",
    },
    Peers {
        id: "DF005",
        peers: "hadolint DL3002, checkov CKV_DOCKER_3/CKV_DOCKER_8",
        stricter: "no USER at all fails (hadolint passes it); a user created with UID 0 is root",
    },
    Peers {
        id: "DF006",
        peers: "hadolint DL3025",
        stricter: "",
    },
    Peers {
        id: "DF007",
        peers: "none",
        stricter: "the peers do not read .dockerignore",
    },
    Peers {
        id: "DF008",
        peers: "checkov CKV_DOCKER_2",
        stricter: "a HEALTHCHECK that cannot fail (curl without -f, `|| true`) fails",
    },
    Peers {
        id: "DF009",
        peers: "hadolint DL3005 (retired upstream)",
        stricter: "",
    },
    Peers {
        id: "DF010",
        peers: "hadolint DL3014/DL3015",
        stricter: "",
    },
    Peers {
        id: "DF011",
        peers: "hadolint DL3009/DL3019/DL3042",
        stricter: "",
    },
    Peers {
        id: "DF012",
        peers: "checkov CKV2_DOCKER_2/CKV2_DOCKER_3/CKV2_DOCKER_4/CKV2_DOCKER_7/CKV2_DOCKER_8/CKV2_DOCKER_10",
        stricter: "",
    },
    Peers {
        id: "DF013",
        peers: "hadolint DL4003/DL4004",
        stricter: "",
    },
    Peers {
        id: "DF014",
        peers: "hadolint DL4006",
        stricter: "a pipe inside `sh -c \"…\"`, `$(…)` or an if/for body counts too; `set -o pipefail` at the start of the RUN is accepted like a SHELL with -o pipefail",
    },
    Peers {
        id: "DF015",
        peers: "hadolint DL3020",
        stricter: "",
    },
    Peers {
        id: "K8S001",
        peers: "checkov CKV_K8S_14/CKV_K8S_43, kube-score container-image-tag",
        stricter: "",
    },
    Peers {
        id: "K8S002",
        peers: "kube-score deployment-replicas (not installable here)",
        stricter: "",
    },
    Peers {
        id: "K8S003",
        peers: "checkov CKV_K8S_9, kube-score container-probes",
        stricter: "the probe must aim at a port the container declares; an exec probe that cannot fail (`true`, `exit 0`, `… || true`) fails; with `service_image`, an httpGet path is asked of the real demo service (started once per check run for each distinct literal env of such containers, at most 3 starts) and an answer outside 200–399 fails, as the kubelet counts it (kube-score's container-probes and checkov only see that a probe exists, not what it gets back); an HTTPS probe, or one the clean room cannot ask, is judged on the manifest only and the outcome says so",
    },
    Peers {
        id: "K8S004",
        peers: "checkov CKV_K8S_8, kube-score container-probes",
        stricter: "the probe must aim at a port the container declares; an exec probe that cannot fail (`true`, `sh -c \"…; exit 0\"`) fails; a liveness probe identical to the readiness probe fails, as kube-score's container-probes says (checkov does not look); with `service_image`, an httpGet path the real demo service answers outside 200–399 fails (a restart loop), which neither peer can see; HTTPS and probes the clean room cannot ask are judged on the manifest only, as for K8S003",
    },
    Peers {
        id: "K8S005",
        peers: "checkov CKV_K8S_10/CKV_K8S_11/CKV_K8S_12/CKV_K8S_13",
        stricter: "no CPU limit is asked for (CKV_K8S_11 asks): CPU limits throttle without protecting anything",
    },
    Peers {
        id: "K8S006",
        peers: "checkov CKV_K8S_16/CKV_K8S_23/CKV_K8S_40, kube-score container-security-context-user-group-id",
        stricter: "",
    },
    Peers {
        id: "K8S007",
        peers: "checkov CKV_K8S_22",
        stricter: "with a read-only root, a writable volume must be mounted at the container's literal DATA_DIR (or above it): otherwise the service cannot write",
    },
    Peers {
        id: "K8S008",
        peers: "none",
        stricter: "the peers do not look at the rollout strategy (of Deployments, nor the updateStrategy of StatefulSets and DaemonSets)",
    },
    Peers {
        id: "K8S009",
        peers: "kube-score deployment-has-poddisruptionbudget",
        stricter: "a budget that blocks every drain fails",
    },
    Peers {
        id: "K8S010",
        peers: "kube-score service-targets-pod",
        stricter: "",
    },
    Peers {
        id: "K8S011",
        peers: "kube-score service-targets-pod",
        stricter: "",
    },
    Peers {
        id: "K8S012",
        peers: "none (the API server refuses it)",
        stricter: "",
    },
    Peers {
        id: "K8S013",
        peers: "checkov CKV_K8S_20/CKV_K8S_28/CKV_K8S_37, Pod Security \"restricted\"",
        stricter: "",
    },
];

/// The peers of rule `id`, if it has an entry.
pub fn of(id: &str) -> Option<&'static Peers> {
    TABLE.iter().find(|p| p.id == id)
}
