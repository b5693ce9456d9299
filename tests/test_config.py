"""pipeline/config.py: the settings that shape results, named once, typed and checked."""

import pytest

from pipeline.config import EXTRACTION, IDENTITY, RECONCILE, EnvironmentSettings, Limits, environment


def test_the_environment_is_read_and_checked_in_one_place(monkeypatch):
    for var in ("FINSAM_SPACY_MODEL", "FINSAM_FLOW_TIMEOUT", "FINSAM_NIGHTLY_TIMEOUT"):
        monkeypatch.delenv(var, raising=False)
    assert environment() == EnvironmentSettings()
    monkeypatch.setenv("FINSAM_SPACY_MODEL", " /opt/models/sv_trained ")
    monkeypatch.setenv("FINSAM_FLOW_TIMEOUT", "7200")
    env = environment()
    assert env.spacy_model == "/opt/models/sv_trained" and env.flow_timeout_s == 7200.0
    assert env.nightly_timeout_s == EnvironmentSettings().nightly_timeout_s


@pytest.mark.parametrize("value", ["soon", "0", "-5"])
def test_a_bad_environment_value_names_the_variable_in_one_line(monkeypatch, value):
    monkeypatch.setenv("FINSAM_NIGHTLY_TIMEOUT", value)
    with pytest.raises(ValueError) as err:
        environment()
    message = str(err.value)
    assert "FINSAM_NIGHTLY_TIMEOUT" in message and "\n" not in message


def test_the_nlp_pipeline_takes_its_model_from_the_environment_settings(monkeypatch, caplog):
    from pipeline.sv import nlp

    monkeypatch.setenv("FINSAM_SPACY_MODEL", "/nonexistent/finsam-model")
    nlp.get_nlp.cache_clear()
    try:
        with caplog.at_level("WARNING"):
            built = nlp.get_nlp()
        # A model that cannot be loaded falls back to the blank Swedish pipeline with rules.
        assert "/nonexistent/finsam-model" in caplog.text and "could not be loaded" in caplog.text
        assert built.lang == "sv" and "finsam_ruler" in built.pipe_names
    finally:
        monkeypatch.delenv("FINSAM_SPACY_MODEL")
        nlp.get_nlp.cache_clear()


def test_settings_are_typed_and_checked():
    with pytest.raises(ValueError):
        Limits(max_pages="many")
    assert 0 < IDENTITY.person_match_cutoff <= IDENTITY.signer_match_cutoff <= 100
    assert RECONCILE.deadline_window_days > 0 and EXTRACTION.edge_lines > 0
