# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""ament_python packaging for shadowhound_llm."""

from glob import glob
import runpy

from setuptools import find_packages, setup

package_name = 'shadowhound_llm'

# The same table drives `python -m shadowhound_llm NAME`.
EXECUTABLES = runpy.run_path('shadowhound_llm/executables.py')['EXECUTABLES']

setup(
    name=package_name,
    version='0.1.0',
    packages=find_packages(exclude=['test', 'benchmarks']),
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + package_name]),
        ('share/' + package_name, ['package.xml']),
        ('share/' + package_name + '/launch', glob('launch/*.launch.py')),
        ('share/' + package_name + '/config', glob('config/*.yaml')),
        ('share/' + package_name + '/config/sros2', glob('config/sros2/*.xml')),
        ('share/' + package_name + '/deploy', glob('deploy/*')),
    ],
    package_data={package_name: ['config/*.yaml', 'dashboard/static/*']},
    install_requires=['setuptools', 'pydantic>=2.6', 'httpx>=0.27', 'PyYAML>=6', 'pillow>=10',
                      'starlette>=0.37', 'uvicorn>=0.29'],
    zip_safe=False,  # the dashboard serves its static files from the package folder
    maintainer='ShadowHound contributors',
    maintainer_email='dev@shadowhound.invalid',
    description='Plain-language missions for a Unitree GO2, planned by a local LLM.',
    license='Apache-2.0',
    entry_points={
        'console_scripts': [f'{name} = {target}' for name, (target, _) in EXECUTABLES.items()],
    },
)
