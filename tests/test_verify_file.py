"""WeChat's domain-verification files: served from BOT_VERIFY_DIR at the domain's root, only
names of WeChat's own form, nothing else from the disk."""

import pytest


@pytest.fixture
def verify_app(make_app, tmp_path):
    folder = tmp_path / "verify"
    folder.mkdir()
    (folder / "WW_verify_AbCd1234EfGh5678.txt").write_text("AbCd1234EfGh5678")
    (folder / "MP_verify_q1w2e3.txt").write_text("q1w2e3")
    (folder / "notes.txt").write_text("not for anyone")
    return make_app(BOT_VERIFY_DIR=str(folder))


def test_the_file_the_admin_handed_over_is_served_at_the_root(verify_app):
    client = verify_app.test_client()
    wecom = client.get("/WW_verify_AbCd1234EfGh5678.txt")
    assert wecom.status_code == 200 and wecom.get_data(as_text=True) == "AbCd1234EfGh5678"
    assert wecom.mimetype == "text/plain"
    assert client.get("/MP_verify_q1w2e3.txt").get_data(as_text=True) == "q1w2e3"


@pytest.mark.parametrize("path", ["/WW_verify_missing.txt", "/notes.txt", "/WW_verify_..%2Fx.txt",
                                  "/WW_verify_a.txt.bak", "/MP_verify_.txt", "/verify",
                                  "/WW_verify_%E4%B8%AD.txt"])
def test_anything_else_is_404(verify_app, path):
    assert verify_app.test_client().get(path).status_code == 404


def test_the_default_folder_is_inside_the_instance(make_app):
    app = make_app()
    folder = app.instance_path + "/verify"
    import os

    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "WW_verify_Z9.txt"), "w") as handle:
        handle.write("Z9")
    assert app.test_client().get("/WW_verify_Z9.txt").get_data(as_text=True) == "Z9"
