"""Everything a GPU should measure, in one run (``gpu_rehearsal``, started
on a bare GPU machine by ``gpu_rehearsal.sh``). Imports only torch,
diffusers, transformers and mmdd's diffusion side: no OpenMMLab package."""
