"""deploy/k8s: every manifest valid for the pinned Kubernetes, and the scale-out objects there.

The images cannot be built on the development machine (no Docker engine), so these checks are
what stands between a typo and a failed rollout: strict schema validation (unknown fields are
errors) and the relations between objects that no schema sees (selectors, replica counts)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"


def _pinned_version() -> str:
    match = re.search(r"^K8S_VERSION \?= (\S+)$", (ROOT / "Makefile").read_text(), re.M)
    assert match, "the Makefile pins the Kubernetes version manifests are validated against"
    return match.group(1)


def _documents() -> list[tuple[Path, dict[str, Any]]]:
    return [
        (path, doc)
        for path in sorted(K8S.glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc
    ]


def _of_kind(kind: str) -> list[dict[str, Any]]:
    return [doc for _, doc in _documents() if doc["kind"] == kind]


def _named(kind: str, name: str) -> dict[str, Any]:
    (doc,) = [d for d in _of_kind(kind) if d["metadata"]["name"] == name]
    return doc


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expr in selector.get("matchExpressions", []):
        assert expr["operator"] == "In", "only In is used here"
        if labels.get(expr["key"]) not in expr["values"]:
            return False
    return True


def _pod_labels(name: str, kind: str = "Deployment") -> dict[str, str]:
    labels: dict[str, str] = _named(kind, name)["spec"]["template"]["metadata"]["labels"]
    return labels


@pytest.mark.parametrize("path", sorted(K8S.glob("*.yaml")), ids=lambda p: p.name)
def test_every_manifest_is_valid_for_the_pinned_kubernetes_strictly(path: Path) -> None:
    for doc in yaml.safe_load_all(path.read_text()):
        if doc:
            kubernetes_validate.validate(doc, _pinned_version(), strict=True)


def test_strict_validation_refuses_an_unknown_field() -> None:
    service = _named("Service", "inkwell-api")
    broken = {**service, "spec": {**service["spec"], "replicas": 3}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, _pinned_version(), strict=True)


def test_the_api_scales_on_cpu_and_owns_no_replica_count() -> None:
    hpa = _named("HorizontalPodAutoscaler", "inkwell-api")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "inkwell-api",
    }
    assert hpa["spec"]["minReplicas"] >= 2
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    # A count in the Deployment would reset the autoscaler's on every `kubectl apply`.
    assert "replicas" not in _named("Deployment", "inkwell-api")["spec"]


@pytest.mark.parametrize("workload", ["inkwell-api", "inkwell-worker"])
def test_a_node_drain_keeps_one_pod_of_each_workload_and_is_never_blocked(workload: str) -> None:
    (pdb,) = [
        p
        for p in _of_kind("PodDisruptionBudget")
        if _selects(p["spec"]["selector"], _pod_labels(workload))
    ]
    assert pdb["spec"]["minAvailable"] == 1
    deployment = _named("Deployment", workload)["spec"]
    floor = deployment.get("replicas")
    if floor is None:
        floor = _named("HorizontalPodAutoscaler", workload)["spec"]["minReplicas"]
    # With as many pods as the budget keeps, no eviction would ever be allowed.
    assert floor > pdb["spec"]["minAvailable"]


@pytest.mark.parametrize(
    ("store", "port", "allowed"),
    [("postgres", 5432, {"api", "worker", "migrate"}), ("redis", 6379, {"api", "worker"})],
)
def test_only_inkwell_processes_reach_the_data_stores(
    store: str, port: int, allowed: set[str]
) -> None:
    store_labels = {"app.kubernetes.io/name": store}
    (policy,) = [
        p for p in _of_kind("NetworkPolicy") if _selects(p["spec"]["podSelector"], store_labels)
    ]
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    (rule,) = policy["spec"]["ingress"]
    assert [p["port"] for p in rule["ports"]] == [port]
    (peer,) = rule["from"]
    assert set(peer) == {"podSelector"}, "no namespace or address block widens it"
    workloads = {
        "api": _pod_labels("inkwell-api"),
        "worker": _pod_labels("inkwell-worker"),
        "migrate": _pod_labels("inkwell-migrate", kind="Job"),
    }
    reaching = {name for name, labels in workloads.items() if _selects(peer["podSelector"], labels)}
    assert reaching == allowed
    stranger = {"app.kubernetes.io/name": "something-else", "app.kubernetes.io/component": "api"}
    assert not _selects(peer["podSelector"], stranger)
