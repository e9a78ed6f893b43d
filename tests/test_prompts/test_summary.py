from mmdd.prompts import VOC_CLASSES as VOC
from mmdd.prompts import PromptRecord
from mmdd.prompts.summary import format_summary


def test_format_summary_counts_mentions():
    records = [
        PromptRecord('a', 'two dogs', ['dog', 'sofa']),
        PromptRecord('b', 'a cat', ['dog']),
        PromptRecord('t', 'a photo of a dog', ['dog'])
    ]
    text = format_summary(records, VOC, template_ids=['t'])
    assert 'records: 3 (captions: 2, templates: 1)' in text
    dog = next(line for line in text.splitlines() if line.startswith('dog'))
    assert dog.split() == ['dog', '3', '2', '1', '50%']
    sofa = next(line for line in text.splitlines() if line.startswith('sofa'))
    assert sofa.split() == ['sofa', '1', '1', '0', '0%']
