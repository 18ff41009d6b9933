"""An ONNX classifier standing in for ``predict`` (``weakspot perturb --model``)."""

from __future__ import annotations

import numpy as np
import pytest

from weakspot._errors import InputError

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


def _brightness_classifier(path, side: int = 16) -> None:
    """(n, 3, side, side) in [0, 1] -> scores (n, 2): class 0 scores the mean brightness,
    class 1 scores 0.5 minus it, so an image brighter than 0.25 is class 0."""
    from onnx import TensorProto, helper

    size = 3 * side * side
    weight = np.stack([np.full(size, 1 / size), np.full(size, -1 / size)], axis=1)
    graph = helper.make_graph(
        [
            helper.make_node("Flatten", ["x"], ["flat"]),
            helper.make_node("MatMul", ["flat", "w"], ["scaled"]),
            helper.make_node("Add", ["scaled", "b"], ["scores"]),
        ],
        "brightness",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 3, side, side])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [None, 2])],
        [
            helper.make_tensor(
                "w", TensorProto.FLOAT, [size, 2], weight.astype(np.float32).ravel()
            ),
            helper.make_tensor("b", TensorProto.FLOAT, [2], [0.0, 0.5]),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))


def test_an_onnx_classifier_predicts_grey_images_of_any_size(tmp_path):
    from weakspot.verify._onnx import onnx_predict

    _brightness_classifier(tmp_path / "m.onnx")
    predict = onnx_predict(tmp_path / "m.onnx")
    images = np.stack([np.full((28, 28), 200, np.uint8), np.full((28, 28), 20, np.uint8)])
    scores = predict(images)  # grey 28 x 28, resized to the graph's 16 x 16 RGB
    assert scores.shape == (2, 2)
    assert scores.argmax(axis=1).tolist() == [0, 1]
    assert scores[0, 0] == pytest.approx(200 / 255, abs=1e-3)


def test_a_file_onnxruntime_cannot_load_or_a_graph_not_taking_images_is_named(tmp_path):
    from onnx import TensorProto, helper

    from weakspot.verify._onnx import onnx_predict

    (tmp_path / "bad.onnx").write_bytes(b"not a model")
    with pytest.raises(InputError, match="is not an ONNX model onnxruntime can load"):
        onnx_predict(tmp_path / "bad.onnx")
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        "flat",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 10])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 10])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(tmp_path / "flat.onnx"))
    with pytest.raises(InputError, match=r"takes input 'x' of shape \[None, 10\]; perturb feeds"):
        onnx_predict(tmp_path / "flat.onnx")
    with pytest.raises(InputError, match="does not exist"):
        onnx_predict(tmp_path / "missing.onnx")
