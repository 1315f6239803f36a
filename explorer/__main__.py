"""Command-line interface: ``python -m explorer COMMAND ...``.

Each command is a ``cmd_*`` function taking the parsed arguments and returning what to
print (a JSON-able object with --json, else text). Bad input prints one line
``error: ...`` on stderr and exits 2; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from explorer.errors import ExplorerInputError  # noqa: E402


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad arguments as one ``error:`` line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def cmd_backbones(args: argparse.Namespace) -> Any:
    """List the registry."""
    from explorer.models.backbones import list_backbones

    rows = [
        {
            "id": s.id,
            "label": s.label,
            "year": s.year,
            "default_size": s.default_size,
            "min_size": s.min_size,
            "weights_source": s.weights_source,
            "pretrained_available": s.pretrained_available,
            "description": s.description,
        }
        for s in list_backbones()
    ]
    if args.json:
        return rows
    width = max(len(r["id"]) for r in rows)
    return "\n".join(
        f"{r['id']:<{width}}  {r['default_size']:>4}px  min {r['min_size']:>3}  "
        f"{'pretrained' if r['pretrained_available'] else 'random    '}  {r['label']}"
        for r in rows
    )


def cmd_params(args: argparse.Namespace) -> Any:
    """Parameter counts of a backbone + head under a trainable plan."""
    from explorer.models.backbones import get_backbone
    from explorer.models.heads import HeadConfig, head_layers
    from explorer.models.params import build_param_table, count_parameters, parse_plan, plan_flags

    spec = get_backbone(args.backbone)
    head = HeadConfig(args.head, args.hidden, args.dropout, args.outputs)
    plan = parse_plan(args.trainable)
    table = build_param_table(args.backbone, args.input_size)
    flags = plan_flags(table, plan)
    counts = count_parameters(table, flags, head)
    head_rows = head_layers(table.feature_shape, head, len(table.layers))
    layers = [
        {"index": l.index, "name": l.name, "type": l.type, "output_shape": list(l.output_shape),
         "params": l.params, "trainable": on}
        for l, on in zip(table.layers + head_rows, flags + (True,) * len(head_rows))
    ]
    result = {
        "backbone": table.backbone,
        "input_size": table.input_size,
        "trainable_plan": str(plan),
        **asdict(counts),
        "head": asdict(head),
        "layers": layers,
    }
    if args.json:
        return result
    lines = [f"{'#':>4}  {'layer':<28} {'type':<24} {'output shape':<20} {'params':>12}  trains"]
    for row in layers:
        shape = "x".join(str(d) for d in row["output_shape"][1:])
        lines.append(
            f"{row['index']:>4}  {row['name'][:28]:<28} {row['type'][:24]:<24} {shape:<20} "
            f"{row['params']:>12,}  {'yes' if row['trainable'] else '-'}"
        )
    lines.append(
        f"\n{spec.label} at {table.input_size}x{table.input_size}, head {head.kind}, plan {plan}:\n"
        f"  total         {counts.total:>14,}\n"
        f"  trainable     {counts.trainable:>14,}\n"
        f"  non-trainable {counts.non_trainable:>14,}"
    )
    return "\n".join(lines)


def _grid_text(values: Any) -> str:
    from explorer.convolution import format_number

    rows = [[format_number(v) for v in row] for row in values]
    width = max(len(t) for row in rows for t in row)
    return "\n".join("  " + " ".join(f"{t:>{width}}" for t in row) for row in rows)


def _sliding_result(args: argparse.Namespace, x: Any, kernel: Any, out: Any, g: Any, extra: dict[str, Any]) -> Any:
    """JSON (input, kernel, output, output_shape, steps, ...) or the grids as text."""
    result = {"input": x.tolist(), **({"kernel": kernel.tolist()} if kernel is not None else {}),
              "output": out.tolist(), "output_shape": list(out.shape), "steps": g.steps, **extra,
              "pads": [list(p) for p in g.pads], "formula": list(g.explain())}
    if args.json:
        return result
    lines = [f"output {'x'.join(map(str, out.shape))} ({g.steps} window positions)", *g.explain()]
    if x.ndim == 2:
        kernel_lines = [] if kernel is None else [f"kernel {kernel.shape[0]}x{kernel.shape[1]}:", _grid_text(kernel)]
        lines = [f"input {x.shape[0]}x{x.shape[1]}:", _grid_text(x), *kernel_lines, lines[0] + ":",
                 _grid_text(out), *lines[1:]]
    return "\n".join(lines)


def cmd_conv(args: argparse.Namespace) -> Any:
    """One 2D convolution (cross-correlation) on a random or given grid."""
    from explorer.convolution import MAX_KERNEL, ConvolutionInputError, conv2d, conv_geometry, load_array, random_grid

    if args.input is None and args.size is None:
        raise ConvolutionInputError("conv needs an input: --size N or --input FILE.npy. Received: neither")
    if args.weights is None and args.kernel is None:
        raise ConvolutionInputError("conv needs a kernel: --kernel K or --weights FILE.npy. Received: neither")
    x = load_array(args.input, "input") if args.input else random_grid(args.size, 0, 9, args.seed)
    kernel = (load_array(args.weights, "weights") if args.weights
              else random_grid(args.kernel, -2, 2, args.seed + 1, "kernel", MAX_KERNEL))
    out = conv2d(x, kernel, args.stride, args.padding, args.dilation)
    g = conv_geometry(x.shape, kernel.shape, args.stride, args.padding, args.dilation)
    extra = {"stride": args.stride, "padding": args.padding, "dilation": args.dilation}
    return _sliding_result(args, x.astype(float), kernel.astype(float), out, g, extra)


def cmd_pool(args: argparse.Namespace) -> Any:
    """Max or average pooling on a random or given grid, with TensorFlow's padding rules."""
    from explorer.convolution import ConvolutionInputError, load_array, pool2d, pool_geometry, random_grid

    if args.input is None and args.size is None:
        raise ConvolutionInputError("pool needs an input: --size N or --input FILE.npy. Received: neither")
    x = load_array(args.input, "input") if args.input else random_grid(args.size, 0, 9, args.seed)
    out = pool2d(x, args.window, args.stride, args.mode, args.padding)
    g = pool_geometry(x.shape, args.window, args.stride, args.padding)
    extra = {"window": args.window, "stride": g.rows.stride, "mode": args.mode, "padding": args.padding}
    return _sliding_result(args, x.astype(float), None, out, g, extra)


def _crop_for(args: argparse.Namespace, input_size: int) -> Any:
    """The --image file decoded and centre-cropped to the network's input size."""
    from explorer.io.images import load_image, square_crop

    return square_crop(load_image(args.image).pixels, input_size)


def cmd_predict(args: argparse.Namespace) -> Any:
    """Top-K ImageNet classes of a photo (backbones with their ImageNet classifier here)."""
    from explorer.activations import build_extractor, imagenet_classifier_available, short_label
    from explorer.models.backbones import get_backbone
    from explorer.errors import WeightsUnavailableError
    from explorer.io.images import load_image

    spec = get_backbone(args.backbone)
    if isinstance(args.top, bool) or not 1 <= args.top <= 1000:
        raise ExplorerInputError(f"--top must be from 1 to 1000. Received: top={args.top}")
    load_image(args.image)  # a bad file fails before TensorFlow is imported
    if not imagenet_classifier_available(spec.id):
        raise WeightsUnavailableError(
            f"{spec.label} has no ImageNet classifier weights on this machine; "
            f"efficientnet_lite0 always has. Received: backbone={spec.id!r}"
        )
    extractor = build_extractor(spec.id)
    predictions = extractor.predict(_crop_for(args, extractor.input_size), args.top)
    if args.json:
        return [{"index": p.index, "label": p.label, "probability": p.probability} for p in predictions]
    lines = [f"{spec.id} on {args.image} ({extractor.input_size}x{extractor.input_size} centre crop):"]
    lines += [f"{rank:>3}. {short_label(p.label):<28} {p.probability:7.2%}  (class {p.index})"
              for rank, p in enumerate(predictions, start=1)]
    return "\n".join(lines)


def cmd_features(args: argparse.Namespace) -> Any:
    """One layer's output shape and facts (mean, zeros after ReLU, most active channels) for a photo."""
    from explorer.activations import build_extractor, channel_ranking, layer_facts
    from explorer.models.backbones import get_backbone
    from explorer.io.images import load_image

    get_backbone(args.backbone)
    load_image(args.image)  # a bad file fails before TensorFlow is imported
    extractor = build_extractor(args.backbone, args.input_size)
    info = extractor.layer(args.layer)
    output = extractor.extract(_crop_for(args, extractor.input_size), [info.name])[info.name]
    facts = layer_facts(info.name, output)
    result = {
        "backbone": extractor.spec.id,
        "weights": "pretrained" if extractor.pretrained else "random",
        "input_size": extractor.input_size,
        "layer": info.name,
        "type": info.type,
        "stage": info.stage,
        **asdict(facts),
        "output_shape": list(facts.output_shape),
        "most_active_channels": [int(c) for c in channel_ranking(output)[:10]],
    }
    if args.json:
        return result
    del result["name"]
    return "\n".join(f"{key:<22} {value}" for key, value in result.items())


def cmd_layers(args: argparse.Namespace) -> Any:
    """The layers a user can pick in the Activations Lab, by stage, with their output shapes."""
    from explorer.activations import build_extractor

    extractor = build_extractor(args.backbone, args.input_size, weights="random")
    rows = [{"stage": l.stage, "name": l.name, "type": l.type, "output_shape": list(l.output_shape)}
            for l in extractor.layers]
    if args.json:
        return rows
    lines = []
    for stage in extractor.stages:
        lines.append(stage.label)
        lines += [f"  {l.name:<32} {l.type:<20} {l.shape_text}"
                  for l in extractor.layers if l.stage == stage.index]
    return "\n".join(lines)


def cmd_zoo(args: argparse.Namespace) -> Any:
    """The case-study networks: parameters, depth and multiply-adds counted from Keras models."""
    from explorer.case_studies.zoo import iter_zoo

    rows = [model.summary() for model in iter_zoo()]
    if args.json:
        return rows
    lines = [f"{'network':<26} {'year':>4} {'top-1':>6} {'parameters':>13} {'mult-adds':>16} {'depth':>5} {'input':>7}"]
    top1 = {r["id"]: "n/p" if r["top1"] is None else f"{r['top1']:.1f}%" for r in rows}  # n/p: not published
    lines += [f"{r['name']:<26} {r['year']:>4} {top1[r['id']]:>6} {r['params']:>13,} {r['madds']:>16,} "
              f"{r['depth']:>5} {r['input_size']:>3}x{r['input_size']:<3}" for r in rows]
    lines.append("\nmult-adds: Conv2D, DepthwiseConv2D, SeparableConv2D and Dense, one image at the input size shown; "
                 "depth: most layers with weights on a path; top-1: published (--json gives each source), "
                 "n/p: not published.")
    return "\n".join(lines)


def cmd_iou(args: argparse.Namespace) -> Any:
    """Intersection over union of two boxes in continuous coordinates."""
    from explorer.detection import iou, parse_box

    if len(args.box) != 2:
        raise ExplorerInputError(f"iou takes exactly two --box options. Received: boxes={len(args.box)}")
    overlap = iou(*(parse_box(text) for text in args.box))
    result = {"iou": overlap.iou, "intersection": overlap.intersection, "union": overlap.union}
    if args.json:
        return result
    return f"IoU {overlap.iou:.4f} (intersection {overlap.intersection:g}, union {overlap.union:g})"


def _finetune_data(args: argparse.Namespace, image_size: int) -> Any:
    """The data set named by --data: 'shapes', 'digits', a folder of class sub-folders or a .zip."""
    from pathlib import Path

    from explorer.io.datasets import DatasetError, load_dataset, read_zip, split_dataset

    path = Path(args.data)
    if args.data not in ("shapes", "digits") and path.suffix.lower() == ".zip":
        if not path.is_file():
            raise DatasetError(f"No ZIP file at this path. Received: path={args.data!r}")
        dataset = read_zip(path.read_bytes(), image_size, name=path.stem)
    else:
        dataset = load_dataset(args.data, image_size, args.per_class or 40, args.seed)
    split = split_dataset(dataset, 0.2, args.seed)
    if args.per_class and args.data not in ("shapes", "digits"):
        split = split.per_class(args.per_class, args.seed)  # a folder: at most N training images per class
    return dataset, split


def _json_number(value: float) -> float | None:
    return None if value != value else value  # NaN (no validation loss yet) is not JSON


def cmd_finetune(args: argparse.Namespace) -> Any:
    """Train a short transfer-learning run; progress on stderr, the result (and the best .keras) out."""
    import shutil
    from pathlib import Path

    from explorer.models.backbones import get_backbone
    from explorer.training import Progress, TrainConfig, run_training, write_run

    size = args.input_size or max(64, get_backbone(args.backbone).min_size)
    config = TrainConfig(args.backbone, size, args.strategy, epochs=args.epochs, stage2_epochs=args.stage2_epochs,
                         fine_tune_layers=args.fine_tune_layers, learning_rate=args.lr, batch_size=args.batch_size,
                         seed=args.seed, bn_training=args.bn_training)
    dataset, split = _finetune_data(args, size)
    out_folder = _finetune_out(args.out)  # created only once the settings and the data are good
    printed: set[tuple[str, int]] = set()

    def progress(p: Progress) -> None:
        if p.stage == "features" and ("features", 0) not in printed:
            printed.add(("features", 0))
            print("computing stored features (the frozen backbone runs once over every image)...", file=sys.stderr)
        elif len(p.history.get("loss", ())) == p.epoch > 0 and (p.stage, p.epoch) not in printed:
            printed.add((p.stage, p.epoch))
            h = {k: v[-1] for k, v in p.history.items() if v}
            print(f"epoch {p.epoch}/{p.epochs}{' (stage 2)' if p.stage == 'stage 2' else ''}: "
                  f"loss {h['loss']:.4f} acc {h['accuracy']:.4f} val_loss {h['val_loss']:.4f} "
                  f"val_acc {h['val_accuracy']:.4f} lr {h['lr']:.2g}", file=sys.stderr, flush=True)

    result = run_training(split, config, progress=progress)
    checkpoint, files = result.checkpoint, None
    if out_folder is not None:
        files = write_run(result, out_folder, {"data": args.data, "per_class": args.per_class, "val_fraction": 0.2})
        checkpoint = str(files.model.resolve())
    elif args.out is not None:  # FILE.keras, as before: the model alone
        shutil.copyfile(checkpoint, args.out)
        checkpoint = str(Path(args.out).resolve())
    counts = {c: int((split.train_labels == i).sum()) for i, c in enumerate(result.class_names)}
    if args.json:
        return {
            "strategy": config.strategy, "backbone": config.backbone, "input_size": config.image_size,
            "epochs_run": result.epochs_run, "val_accuracy": result.val_accuracy, "accuracy_line": result.accuracy_line,
            "history": {k: [_json_number(v) for v in vals] for k, vals in result.history.items()},
            "events": [asdict(e) for e in result.events], "checkpoint": checkpoint, "classes": list(result.class_names),
            "train_counts": counts, "train_images": result.train_images, "val_images": len(split.val_labels),
            "seconds": result.seconds, "stopped": result.stopped, "params": asdict(result.counts),
            **({"files": {k: str(Path(v).resolve()) for k, v in asdict(files).items()}} if files else {}),
            # Freeze X-ray: per epoch, each layer's ||W_t - W_0|| / ||W_0||, and BatchNormalization's drift.
            "layer_change": result.movement.layer_change(), "bn_drift": result.movement.bn_drift_maps(),
        }
    return "\n".join([
        f"{result.accuracy_line}  (best checkpoint by val_loss, {len(split.val_labels)} validation images)",
        f"data: {dataset.name}, {result.train_images} train / {len(split.val_labels)} validation · "
        + ", ".join(f"{c}: {n}" for c, n in counts.items()),
        f"run: {config.label}, {result.epochs_run} of {config.total_epochs} epochs, {result.seconds:.1f} s",
        f"parameters: {result.counts.total:,} total, {result.counts.trainable:,} trainable",
        f"best checkpoint: {checkpoint}",
        *([f"also written: {files.history}, {files.class_names}, {files.config}"] if files else []),
    ])


# Model-file suffixes that --out refuses (a folder name like "run.1" stays a folder).
_MODEL_SUFFIXES = {".h5", ".hdf5", ".pb", ".tflite", ".onnx", ".pt", ".pth", ".weights"}


def _finetune_out(out: str | None) -> Any:
    """The folder --out names, created if needed; None without --out or for the older FILE.keras form."""
    from pathlib import Path

    if out is None:
        return None
    path = Path(out)
    if path.suffix.lower() == ".keras":
        if not path.parent.is_dir():
            raise ExplorerInputError(f"--out FILE.keras must be in an existing folder. Received: out={out!r}")
        return None
    if path.suffix.lower() in _MODEL_SUFFIXES:
        raise ExplorerInputError(f"--out is a folder, or a file ending in .keras. Received: out={out!r}")
    if path.exists() and not path.is_dir():
        raise ExplorerInputError(f"--out must name a folder, not an existing file. Received: out={out!r}")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExplorerInputError(
            f"--out must be a folder that can be created. Received: out={out!r} ({exc.strerror or exc})"
        ) from None
    return path


# ---------------------------------------------------------------------- links and lessons (classroom)


def _link_pairs(tokens: Sequence[str]) -> dict[str, str]:
    """--key value or --key=value pairs, in the page's link vocabulary (--plan last:4)."""
    pairs: dict[str, str] = {}
    items = list(tokens)
    while items:
        token = items.pop(0)
        if not token.startswith("--") or len(token) < 3:
            raise ExplorerInputError(f"link takes --name value pairs after the page. Received: {token!r}")
        name, eq, value = token[2:].partition("=")
        if name in ("present", "json") and not eq:  # the command's own flags, after the pairs too
            pairs[f"--{name}"] = "1"
            continue
        if not eq:
            if not items:
                raise ExplorerInputError(f"--{name} needs a value. Received: nothing after --{name}")
            value = items.pop(0)
        pairs[name.replace("-", "_") if name.replace("-", "_") in ("per_class", "min_lr", "early_patience")
              else name] = value
    return pairs


def cmd_link(args: argparse.Namespace) -> Any:
    """The link to a page's configuration, each value checked as the page checks a link."""
    from explorer.links import LINKS, PLAIN_PAGES, link_url

    if args.page not in LINKS and args.page not in PLAIN_PAGES:
        raise ExplorerInputError(f"A page is one of {', '.join([*LINKS, *PLAIN_PAGES])}. Received: page={args.page!r}")
    pairs = _link_pairs(args.pairs)
    base, lang = pairs.pop("base", args.base), pairs.pop("lang", args.lang)
    args.json = bool(pairs.pop("--json", None)) or args.json
    extra = {"present": "1"} if pairs.pop("--present", None) or args.present else {}
    if lang:
        if lang not in ("en", "ko"):
            raise ExplorerInputError(f"--lang is en or ko. Received: lang={lang!r}")
        extra["lang"] = lang
    url = link_url(args.page, pairs, base, extra)
    return {"page": args.page, "url": url} if args.json else url


def cmd_lessons(args: argparse.Namespace) -> Any:
    """List the lessons; any malformed lesson file is an error naming the file."""
    from pathlib import Path

    from explorer.lessons import LESSONS_DIR, load_lessons, step_url

    folder = Path(args.folder) if args.folder else LESSONS_DIR
    if not folder.is_dir():
        raise ExplorerInputError(f"--folder must be a folder of .toml lessons. Received: folder={str(folder)!r}")
    found, errors = load_lessons(folder)
    if errors:
        raise errors[0]
    rows = [{"id": l.id, "title": l.title, "note": l.note, "note_title": l.note_title, "steps": len(l.steps),
             "questions": sum(1 for s in l.steps if s.question), "file": str(l.path),
             "url": step_url(l, 1, args.base)} for l in found]
    if args.json:
        return rows
    if not rows:
        return f"no lessons in {folder}"
    width = max(len(r["id"]) for r in rows)
    return "\n".join(f"{r['id']:<{width}}  note {r['note']}  {r['steps']:>2} steps, {r['questions']:>2} questions  "
                     f"{r['title']}" for r in rows)


def _add_classroom_commands(sub: Any) -> None:
    p = sub.add_parser("link", help="the URL of a page's configuration (for slides): link PAGE --name value ...")
    p.add_argument("page", help="freeze_lab, convolution_lab, activations_lab, finetune_lab, strategy_advisor, "
                                "case_studies, detection_basics (or home, lessons, glossary)")
    p.add_argument("--base", default="http://localhost:8501", help="the app's address")
    p.add_argument("--present", action="store_true", help="open in the presenter view")
    p.add_argument("--lang", choices=("en", "ko"), default=None)
    p.add_argument("--json", action="store_true")
    p.add_argument("pairs", nargs=argparse.REMAINDER, help="the page's link parameters, e.g. --plan last:4")
    p.set_defaults(func=cmd_link)

    p = sub.add_parser("lessons", help="list the lessons and check every lesson file")
    p.add_argument("--folder", default=None, help="a folder of lesson files (default: the bundled lessons/)")
    p.add_argument("--base", default="http://localhost:8501", help="the app's address, for each lesson's link")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_lessons)


def _build_parser() -> _Parser:
    parser = _Parser(prog="python -m explorer", description="CNN & transfer-learning explorer.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("backbones", help="list the backbone registry")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_backbones)

    p = sub.add_parser("params", help="parameter counts of a backbone with a head and a trainable plan")
    p.add_argument("--backbone", required=True)
    p.add_argument("--input-size", type=int, default=None)
    p.add_argument("--head", choices=("flatten", "gap"), default="gap")
    p.add_argument("--hidden", type=int, default=0)
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--outputs", type=int, default=1)
    p.add_argument("--trainable", default="none", help="none | all | last:N | from:N | all-but-bn")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_params)

    p = sub.add_parser("conv", help="one 2D convolution with stride, padding and dilation (TensorFlow's rules)")
    p.add_argument("--size", type=int, help="side of a random N x N input (digits 0..9)")
    p.add_argument("--kernel", type=int, help="side of a random K x K kernel (integers -2..2)")
    p.add_argument("--stride", type=int, default=1)
    p.add_argument("--padding", default="valid", help="valid | same | P (zero rows/columns per side)")
    p.add_argument("--dilation", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--input", help="input grid as a .npy file (H x W, or H x W x C)")
    p.add_argument("--weights", help="kernel as a .npy file (K x K, or K x K x C_in x C_out)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_conv)

    p = sub.add_parser("pool", help="max or average pooling (TensorFlow's rules)")
    p.add_argument("--size", type=int, default=None, help="side of a random N x N input (digits 0..9)")
    p.add_argument("--window", type=int, required=True)
    p.add_argument("--stride", type=int, default=None, help="defaults to the window")
    p.add_argument("--mode", choices=("max", "avg"), default="max")
    p.add_argument("--padding", choices=("valid", "same"), default="valid")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--input", help="input grid as a .npy file (H x W)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_pool)
    p = sub.add_parser("predict", help="top-K ImageNet classes of a photo")
    p.add_argument("--image", required=True, help="PNG, JPEG, WebP, BMP or GIF")
    p.add_argument("--backbone", default="efficientnet_lite0")
    p.add_argument("--top", type=int, default=5)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("features", help="a layer's output shape and activation facts for a photo")
    p.add_argument("--image", required=True, help="PNG, JPEG, WebP, BMP or GIF")
    p.add_argument("--backbone", required=True)
    p.add_argument("--layer", required=True, help="a name from: python -m explorer layers --backbone NAME")
    p.add_argument("--input-size", type=int, default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_features)

    p = sub.add_parser("layers", help="the layers with feature maps, by stage, with output shapes")
    p.add_argument("--backbone", required=True)
    p.add_argument("--input-size", type=int, default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_layers)

    p = sub.add_parser("zoo", help="AlexNet to EfficientNet: parameters, depth, multiply-adds, published top-1")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_zoo)

    p = sub.add_parser("iou", help="intersection over union of two boxes x1,y1,x2,y2")
    p.add_argument("--box", action="append", required=True, metavar="x1,y1,x2,y2",
                   help="give it twice; write --box=-5,0,10,10 when a value is negative")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_iou)

    p = sub.add_parser("finetune", help="a short transfer-learning run on built-in data, a folder or a ZIP")
    p.add_argument("--data", "--dataset", dest="data", required=True,
                   help="shapes | digits | PATH (a folder of class sub-folders, or a .zip)")
    p.add_argument("--backbone", default="efficientnet_lite0")
    p.add_argument("--input-size", "--image-size", dest="input_size", type=int, default=None,
                   help="pixels (default 64, or the backbone's minimum)")
    p.add_argument("--strategy", choices=("feature-extraction", "fine-tune", "two-stage", "scratch"),
                   default="feature-extraction")
    p.add_argument("--epochs", type=int, default=5, help="epochs (stage 1 of two-stage)")
    p.add_argument("--stage2-epochs", type=int, default=3)
    p.add_argument("--fine-tune-layers", type=int, default=20, help="N for --strategy fine-tune")
    p.add_argument("--per-class", "--samples-per-class", dest="per_class", type=int, default=None,
                   help="built-in data: images per class (default 40); a folder or ZIP: training images per class")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, metavar="DIR",
                   help="a folder (created if needed) for best.keras, history.csv, class_names.json and "
                        "config.json; a path ending in .keras still gets just the model (older form, kept)")
    p.add_argument("--bn-training", action="store_true",
                   help="stage 2 with the backbone in training mode, BatchNormalization trainable (the mistake to see)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_finetune)
    _add_classroom_commands(sub)
    return parser


# Commands that never touch TensorFlow; the others import it first, quietly (below).
_WITHOUT_TENSORFLOW = {"conv", "pool", "iou", "link", "lessons"}


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow with stderr closed: its C++ logger prints start-up lines that
    TF_CPP_MIN_LOG_LEVEL does not silence, and stderr is for our one ``error:`` line."""
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit code."""
    args = _build_parser().parse_args(argv)
    if args.command not in _WITHOUT_TENSORFLOW:
        _import_tensorflow_quietly()
    func: Callable[[argparse.Namespace], Any] = args.func
    try:
        result = func(args)
    except ExplorerInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2) if getattr(args, "json", False) else result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
