"""Time notebook 04's end-to-end comparison: BCE pairs against triplets.

Trains 03's small encoder twice from the same start on the same batches, as
notebook 04 section 6 does (the BCE step is the instructor's reference), and
prints seconds per model and the held-out verification accuracies.

    python benchmarks/pair_training.py            # full configuration
    python benchmarks/pair_training.py --steps 25 # quick configuration
"""

import argparse
import time

from helpers.notebook import REPRODUCIBLE_ENV, setup


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400)
    args = parser.parse_args(argv)
    import os

    for key, value in REPRODUCIBLE_ENV.items():
        os.environ.setdefault(key, value)
    setup(seed=0)
    from helpers.faces import pair_training, siamese
    from instructor.exercises.nb04_binary_verification import (
        siamese_bce_step,
        threshold_unit_weights,
    )

    split = siamese.load_identities(min_faces_per_person=20, resize=0.25)
    results = {"untrained": pair_training.held_out_verification(
        siamese.build_encoder(split.image_shape, 32, seed=0), split)}
    start = time.perf_counter()
    encoder = siamese.build_encoder(split.image_shape, 32, seed=0)
    head = pair_training.build_pair_head(32)
    head.get_layer("same_person_logit").set_weights(
        threshold_unit_weights(0.7, 32, sharpness=4.0))
    pair_training.train_pairs_bce(
        encoder, head, split.train_images, split.train_labels, args.steps,
        siamese_bce_step, seed=0, progress=False)
    seconds = {"binary cross-entropy": time.perf_counter() - start}
    results["binary cross-entropy"] = pair_training.held_out_verification(
        encoder, split, head=head)
    start = time.perf_counter()
    encoder = siamese.build_encoder(split.image_shape, 32, seed=0)
    pair_training.train_triplets_batch_all(
        encoder, split.train_images, split.train_labels, args.steps, seed=0,
        progress=False)
    seconds["triplet loss"] = time.perf_counter() - start
    results["triplet loss"] = pair_training.held_out_verification(
        encoder, split)
    print(f"{args.steps} steps of 8 people x 4 images")
    for name, result in results.items():
        timing = (f", {seconds[name]:.0f} s of training" if name in seconds
                  else "")
        head_accuracy = (f", own head {result['head_test_accuracy']:.3f}"
                         if "head_test_accuracy" in result else "")
        print(f"{name:22s} held-out accuracy {result['test_accuracy']:.3f} "
              f"(train people {result['train_accuracy']:.3f})"
              f"{head_accuracy}{timing}")


if __name__ == "__main__":
    main()
