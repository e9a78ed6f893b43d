"""Words captions use for the VOC and COCO classes.

Keyed by the class names of :mod:`mmdd.prompts.class_names`. Only singular
forms are listed: plurals are matched by stemming (see
:func:`mmdd.prompts.class_match.normalize_word`). The class name itself
always matches and need not be listed. Multi-word entries match as phrases.
"""
from typing import Dict, Tuple

Synonyms = Dict[str, Tuple[str, ...]]

# Words that name people in captions (COCO captions are full of them).
_PERSON = ('man', 'woman', 'people', 'persons', 'child', 'boy', 'girl', 'kid',
           'player', 'guy', 'lady', 'gentleman', 'baby', 'toddler', 'adult',
           'teenager', 'teen', 'mother', 'father', 'mom', 'dad', 'son',
           'daughter', 'bride', 'groom', 'skier', 'surfer', 'skateboarder',
           'snowboarder', 'rider', 'biker', 'cyclist', 'pedestrian', 'crowd',
           'chef', 'cook', 'worker', 'officer', 'policeman', 'soldier',
           'cowboy', 'batter', 'catcher', 'umpire', 'student', 'tourist',
           'athlete', 'someone', 'human', 'family', 'friend')

_ANIMALS: Synonyms = {
    'bird': ('parrot', 'duck', 'goose', 'seagull', 'gull', 'pigeon', 'owl',
             'eagle', 'hawk', 'chicken', 'hen', 'rooster', 'swan', 'penguin',
             'sparrow', 'crow', 'flamingo', 'peacock', 'pelican', 'heron'),
    'cat': ('kitten', 'kitty'),
    'dog': ('puppy', 'pup', 'doggy', 'hound'),
    'horse': ('pony', 'foal', 'stallion', 'mare'),
    'sheep': ('lamb', ),
    'cow': ('cattle', 'bull', 'calf', 'ox'),
}

_VEHICLES: Synonyms = {
    'bicycle': ('bike', ),
    'boat': ('ship', 'sailboat', 'yacht', 'canoe', 'kayak', 'ferry', 'vessel',
             'raft', 'rowboat', 'speedboat'),
    'bus': ('minibus', 'school bus', 'double decker'),
    'car': ('taxi', 'cab', 'suv', 'sedan', 'jeep', 'van', 'automobile'),
    'train': ('locomotive', 'tram', 'railcar'),
}

_PLANE = ('airplane', 'aeroplane', 'plane', 'jet', 'airliner', 'aircraft')
_MOTORBIKE = ('motorcycle', 'motorbike', 'moped', 'scooter', 'dirt bike')
_SOFA = ('couch', 'sofa', 'settee', 'loveseat')
_PLANT = ('plant', 'houseplant', 'house plant', 'pot plant', 'flower pot',
          'flowerpot', 'pottedplant')
_TABLE = ('table', 'dinner table', 'kitchen table', 'diningtable')
_TV = ('tv', 'television', 'monitor', 'screen', 'computer monitor',
       'computer screen', 'flat screen', 'tvmonitor')

VOC_SYNONYMS: Synonyms = {
    **_ANIMALS,
    **_VEHICLES,
    'person': _PERSON,
    'aeroplane': _PLANE,
    'bottle': ('water bottle', ),
    'chair': ('armchair', 'stool'),
    'dining table': _TABLE,
    'motorbike': _MOTORBIKE,
    'potted plant': _PLANT,
    'sofa': _SOFA,
    'tv monitor': _TV,
}

COCO_SYNONYMS: Synonyms = {
    **_ANIMALS,
    **_VEHICLES,
    'person':
    _PERSON,
    'airplane':
    _PLANE,
    'motorcycle':
    _MOTORBIKE,
    'couch':
    _SOFA,
    'potted plant':
    _PLANT,
    'dining table':
    _TABLE,
    'tv':
    _TV,
    'chair': ('armchair', 'stool'),
    'bottle': ('water bottle', ),
    'truck': ('lorry', 'pickup', 'pickup truck', 'fire truck', 'firetruck'),
    'traffic light': ('stoplight', 'stop light', 'traffic signal'),
    'fire hydrant': ('hydrant', ),
    'parking meter': ('meter', ),
    'bear': ('grizzly', 'polar bear'),
    'backpack': ('rucksack', 'back pack'),
    'umbrella': ('parasol', ),
    'handbag': ('purse', 'hand bag'),
    'tie': ('necktie', 'bow tie'),
    'suitcase': ('luggage', 'suit case'),
    'frisbee': ('frisbe', 'flying disc'),
    'skis': ('ski', ),
    'snowboard': ('snow board', ),
    'sports ball': ('ball', 'soccer ball', 'tennis ball', 'football',
                    'basketball', 'volleyball'),
    'baseball bat': ('bat', ),
    'baseball glove': ('glove', 'mitt', "catcher's mitt"),
    'skateboard': ('skate board', ),
    'surfboard': ('surf board', ),
    'tennis racket': ('racket', 'racquet', 'tennis racquet'),
    'wine glass': ('wineglass', 'glass of wine', 'champagne glass'),
    'cup': ('mug', 'teacup', 'coffee cup'),
    'sandwich': ('burger', 'hamburger'),
    'hot dog': ('hotdog', ),
    'donut': ('doughnut', ),
    'cake': ('cupcake', ),
    'laptop': ('laptop computer', 'notebook computer'),
    'mouse': ('computer mouse', ),
    'remote': ('remote control', 'controller'),
    'cell phone': ('phone', 'cellphone', 'smartphone', 'mobile phone'),
    'oven': ('stove', ),
    'refrigerator': ('fridge', ),
    'teddy bear': ('teddy', 'stuffed animal'),
    'hair drier': ('hair dryer', 'blow dryer', 'hairdryer'),
    'toothbrush': ('tooth brush', ),
}

# Phrases that contain a class word but name something else. They block the
# match only where no class owns the phrase (COCO has a ``hot dog`` class).
NON_CLASS_PHRASES: Tuple[str,
                         ...] = ('hot dog', 'teddy bear', 'stuffed animal',
                                 'bus stop', 'table tennis', 'dirt bike')
