"""Analysis stage: a RedactedTranscript becomes CallAnalysis fields (rules engine or LLM engine)."""
from agents.analyze.errors import AnalysisError, TransientAnalysisError, UnredactedInputError
from agents.analyze.llm import analyze_or_fall_back, analyze_with_llm, make_llm_client, prompt_hash
from agents.analyze.llm import versions as llm_versions
from agents.analyze.rules import analyze_with_rules, analyzer_version
from agents.analyze.rules import versions as rules_versions
from agents.analyze.transcript import ensure_redacted, talk_metrics

__all__ = ["AnalysisError", "TransientAnalysisError", "UnredactedInputError", "analyze_with_llm",
           "analyze_or_fall_back", "make_llm_client", "prompt_hash", "llm_versions", "analyze_with_rules", "analyzer_version", "rules_versions",
           "ensure_redacted", "talk_metrics"]
