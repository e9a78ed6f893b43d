"""Plot a shapes model's training log (``<out>.train_log.jsonl``).

    python tools/shapes/plot_train_log.py \
        mmdd/shapes/pretrained/shapes-t2i.train_log.jsonl loss.png
"""
import argparse
import json

from matplotlib.figure import Figure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('log')
    parser.add_argument('out')
    args = parser.parse_args()
    records = [json.loads(line) for line in open(args.log)]
    fig = Figure(figsize=(9, 3.2), layout='constrained')
    titles = ('autoencoder: L1 + MSE',
              'UNet + text encoder: noise MSE (running mean)')
    for ax, stage, title in zip(fig.subplots(1, 2), ('vae', 'unet'), titles):
        rows = [r for r in records if r['stage'] == stage]
        ax.plot([r['step'] for r in rows], [r['loss'] for r in rows])
        ax.set_yscale('log')
        ax.set_xlabel('step')
        ax.set_title(title, fontsize='medium')
        ax.grid(alpha=0.3)
    fig.savefig(args.out, dpi=100)
    print(args.out)


if __name__ == '__main__':
    main()
